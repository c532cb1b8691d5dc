using Fleet.Core.Platform.Timers;
using Microsoft.DurableTask.Client;

namespace Fleet.Core.Kubernetes;

/// <summary>
/// Every minute, every registered cluster's status, version and last_connected are refreshed. The work
/// fans out per cluster in an orchestration with the tick's id, so two hosts never sweep the same minute twice
/// and one slow cluster does not hold up the others.
/// </summary>
public sealed class ClusterHealthSweep(DurableTaskClient client) : ITimerFunction
{
    /// <summary>The orchestrator's registered name (the class lives in the orchestrations project).</summary>
    public const string Orchestrator = "ClusterHealthOrchestrator";

    public string Name => "ClusterHealth";
    public string Schedule => "0 * * * * *";

    public Task RunAsync(TimerInfo info, CancellationToken ct) =>
        TimerOrchestrations.StartForPeriodAsync(client, Orchestrator, info, null, ct);
}
