using Fleet.Core.Kubernetes;
using Microsoft.DurableTask;

namespace Fleet.Orchestrations.Kubernetes;

/// <summary>One health sweep: list the clusters, refresh each in its own activity, report how many answered.</summary>
public sealed class ClusterHealthOrchestrator : TaskOrchestrator<object?, ClusterHealthSweepResult>
{
    public override async Task<ClusterHealthSweepResult> RunAsync(TaskOrchestrationContext context, object? input)
    {
        var ids = await context.CallActivityAsync<List<string>>(nameof(ListClusterIdsActivity));
        context.SetCustomStatus(new { clusters = ids.Count, stage = "refreshing" });
        var statuses = await Task.WhenAll(ids.Select(id => RefreshAsync(context, id)));
        var connected = statuses.Count(s => s == ClusterStatus.Connected);
        context.SetCustomStatus(new { clusters = ids.Count, connected, stage = "done" });
        return new ClusterHealthSweepResult(ids.Count, connected);
    }

    // One cluster whose refresh fails (its activity logs why) must not fail the sweep of the others.
    private static async Task<string> RefreshAsync(TaskOrchestrationContext context, string clusterId)
    {
        try
        {
            return await context.CallActivityAsync<string>(nameof(RefreshClusterActivity), clusterId);
        }
        catch (TaskFailedException)
        {
            return "error";
        }
    }
}

public sealed record ClusterHealthSweepResult(int Clusters, int Connected);

public sealed class ListClusterIdsActivity(ClusterRegistry registry) : TaskActivity<object?, List<string>>
{
    public override async Task<List<string>> RunAsync(TaskActivityContext context, object? input) =>
        (await registry.ListAsync(CancellationToken.None)).Select(c => c.Id).ToList();
}

/// <summary>Idempotent: refreshing twice only writes the latest status again.</summary>
public sealed class RefreshClusterActivity(ClusterRegistry registry) : TaskActivity<string, string>
{
    public override async Task<string> RunAsync(TaskActivityContext context, string clusterId)
    {
        try
        {
            return (await registry.RefreshAsync(clusterId, CancellationToken.None)).Status;
        }
        catch (Fleet.Core.Platform.Errors.FleetException e) when (e.Kind == Fleet.Core.Platform.Errors.FleetErrorKind.NotFound)
        {
            return "removed"; // removed between the listing and the refresh
        }
    }
}
