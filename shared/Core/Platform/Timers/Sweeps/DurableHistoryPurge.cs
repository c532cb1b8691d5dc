using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace Fleet.Core.Platform.Timers.Sweeps;

/// <summary>
/// Daily: deletes completed, failed and terminated orchestration instances (state and history) created more
/// than <c>Durable:RetentionDays</c> (default 7) days ago. Running, pending and suspended ones are kept.
/// </summary>
public sealed class DurableHistoryPurge(DurableTaskClient client, IConfiguration configuration, TimeProvider clock,
    ILogger<DurableHistoryPurge> log) : ITimerFunction
{
    public const int DefaultRetentionDays = 7;

    public string Name => "DurableHistoryPurge";
    public string Schedule => "0 0 3 * * *";

    public int RetentionDays => SweepSettings.Days(configuration, "Durable:RetentionDays", DefaultRetentionDays);

    public async Task RunAsync(TimerInfo info, CancellationToken ct)
    {
        var cutoff = clock.GetUtcNow().AddDays(-RetentionDays);
        var result = await client.PurgeAllInstancesAsync(new PurgeInstancesFilter(CreatedTo: cutoff,
            Statuses: [OrchestrationRuntimeStatus.Completed, OrchestrationRuntimeStatus.Failed, OrchestrationRuntimeStatus.Terminated]), ct);
        log.LogInformation("Purged {Count} finished orchestration instances created before {Cutoff:o}", result.PurgedInstanceCount, cutoff);
    }
}
