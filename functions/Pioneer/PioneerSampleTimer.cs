using Fleet.Core.Platform.Timers;
using Fleet.Orchestrations.Pioneer;
using Microsoft.DurableTask.Client;

namespace Fleet.Functions.Pioneer;

/// <summary>
/// Starts one <see cref="PioneerSampleOrchestrator"/> per tick (every minute; <c>Timers__PioneerSample__Schedule</c>
/// changes it). The instance id is the tick's time, so a tick started twice runs once.
/// </summary>
public sealed class PioneerSampleTimer(DurableTaskClient client) : ITimerFunction
{
    public string Name => "PioneerSample";
    public string Schedule => "0 * * * * *";

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
