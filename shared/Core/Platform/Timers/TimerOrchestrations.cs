using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;

namespace Fleet.Core.Platform.Timers;

/// <summary>The outcome of starting a timer's orchestration: its id, and whether this call started it.</summary>
public sealed record TimerOrchestrationStart(string InstanceId, bool Started);

/// <summary>Fan-out for timers whose work spans many targets: one orchestration per tick, spread over activity workers.</summary>
public static class TimerOrchestrations
{
    /// <summary>The instance id of a timer's orchestration for one tick: <c>timer:&lt;name&gt;:&lt;tick UTC yyyyMMddTHHmmss&gt;</c>.</summary>
    public static string InstanceIdFor(TimerInfo info) =>
        $"timer:{info.TimerName}:{info.ScheduledTime.UtcDateTime:yyyyMMdd'T'HHmmss}";

    /// <summary>
    /// Starts <paramref name="orchestratorName"/> under the tick's deterministic id. An instance that already
    /// exists (running or finished) means the period's work was already started, so nothing is started twice.
    /// </summary>
    public static async Task<TimerOrchestrationStart> StartForPeriodAsync(DurableTaskClient client, TaskName orchestratorName,
        TimerInfo info, object? input = null, CancellationToken ct = default)
    {
        var id = InstanceIdFor(info);
        // Checked first because the client replaces a finished instance under a reused id (only active ones are refused).
        if (await client.GetInstanceAsync(id, ct) is not null) return new TimerOrchestrationStart(id, false);
        try
        {
            await client.ScheduleNewOrchestrationInstanceAsync(orchestratorName, input, new StartOrchestrationOptions(id), ct);
            return new TimerOrchestrationStart(id, true);
        }
        catch (global::DurableTask.Core.Exceptions.OrchestrationAlreadyExistsException)
        {
            return new TimerOrchestrationStart(id, false);
        }
    }
}
