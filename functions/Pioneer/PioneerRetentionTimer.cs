using Fleet.Core.Pioneer;
using Fleet.Core.Platform.Timers;

namespace Fleet.Functions.Pioneer;

/// <summary>The series' retention sweep (<see cref="MetricRetention"/>), hourly; <c>Timers__PioneerRetention__Schedule</c> changes it.</summary>
public sealed class PioneerRetentionTimer(MetricRetention retention) : ITimerFunction
{
    public string Name => "PioneerRetention";
    public string Schedule => "0 17 * * * *";

    public Task RunAsync(TimerInfo info, CancellationToken ct) => retention.SweepAsync(info.ScheduledTime, ct);
}
