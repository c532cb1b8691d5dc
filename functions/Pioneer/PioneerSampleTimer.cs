using Fleet.Core.Platform.Timers;
using Fleet.Orchestrations.Pioneer;
using Microsoft.DurableTask.Client;

namespace Fleet.Functions.Pioneer;

/// <summary>
/// Starts one <see cref="PioneerSampleOrchestrator"/> per tick, every <c>Pioneer__SampleInterval</c> (default a minute;
/// <c>Timers__PioneerSample__Schedule</c> overrides it with a cron expression). The instance id is the tick's time, so a
/// tick started twice runs once.
/// </summary>
public sealed class PioneerSampleTimer(DurableTaskClient client, Microsoft.Extensions.Options.IOptions<Core.Pioneer.PioneerOptions> options) : ITimerFunction
{
    public string Name => "PioneerSample";
    public string Schedule => ScheduleFor(options.Value.SampleInterval);

    /// <summary>The six-field cron expression of an interval: whole seconds dividing a minute, minutes dividing an hour or hours dividing a day.</summary>
    public static string ScheduleFor(TimeSpan interval)
    {
        var t = (long)interval.TotalSeconds;
        if (interval.Ticks % TimeSpan.TicksPerSecond == 0 && t > 0)
        {
            if (t < 60 && 60 % t == 0) return $"*/{t} * * * * *";
            if (t % 60 == 0 && t < 3600 && 3600 % t == 0) return $"0 */{t / 60} * * * *";
            if (t % 3600 == 0 && t <= 86400 && 86400 % t == 0) return t == 86400 ? "0 0 0 * * *" : $"0 0 */{t / 3600} * * *";
        }
        throw new InvalidOperationException(
            $"Pioneer:SampleInterval {interval} must be whole seconds dividing a minute, minutes dividing an hour or hours dividing a day (e.g. 00:00:30, 00:05:00, 01:00:00).");
    }

    public Task RunAsync(TimerInfo info, CancellationToken ct) => StartTickAsync(client, info.ScheduledTime, ct);

    public static async Task<string> StartTickAsync(DurableTaskClient client, DateTimeOffset at, CancellationToken ct)
    {
        var id = $"pioneer-sample-{at.UtcTicks}";
        if (await client.GetInstanceAsync(id, ct) is null)
            await client.ScheduleNewOrchestrationInstanceAsync(nameof(PioneerSampleOrchestrator), new SampleTick(at),
                new Microsoft.DurableTask.StartOrchestrationOptions(id), ct);
        return id;
    }
}
