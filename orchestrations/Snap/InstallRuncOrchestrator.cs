using Fleet.Core.Snap;
using Microsoft.DurableTask;

namespace Fleet.Orchestrations.Snap;

public sealed record InstallRuncInput(string ClusterId, string ClusterName, string RuncVersion, IReadOnlyList<string> Nodes);

public sealed record InstallRuncNodeWork(string ClusterId, string Node, string RuncVersion);

public sealed record InstallRuncNodeProgress(string Name, string Status, string? RuncVersion, string? Error);

/// <summary>Custom status while it runs: the stage, how far (percent of nodes done) and each node's state.</summary>
public sealed record InstallRuncProgress(string Stage, int Percent, string RuncVersion, IReadOnlyList<InstallRuncNodeProgress> Nodes);

public sealed record InstallRuncOutput(bool Success, string ClusterName, string RuncVersion, IReadOnlyList<NodeRuncResult> Nodes, string Message);

/// <summary>
/// Rolls runc out node by node through the checkpoint agent (one node at a time, as a careful admin would); a node that
/// fails is reported and the rollout goes on with the next. Progress per node in the custom status.
/// </summary>
public sealed class InstallRuncOrchestrator : TaskOrchestrator<InstallRuncInput, InstallRuncOutput>
{
    public override async Task<InstallRuncOutput> RunAsync(TaskOrchestrationContext context, InstallRuncInput input)
    {
        var retry = TaskOptions.FromRetryPolicy(new RetryPolicy(3, TimeSpan.FromSeconds(1), 2));
        var progress = input.Nodes.Select(n => new InstallRuncNodeProgress(n, "pending", null, null)).ToList();
        context.SetCustomStatus(new InstallRuncProgress("deploying agent", 0, input.RuncVersion, progress));
        await context.CallActivityAsync(nameof(EnsureSnapAgentActivity), input.ClusterId, retry);
        var results = new List<NodeRuncResult>();
        for (var i = 0; i < input.Nodes.Count; i++)
        {
            progress[i] = progress[i] with { Status = "installing" };
            context.SetCustomStatus(new InstallRuncProgress($"installing on {input.Nodes[i]}", i * 100 / input.Nodes.Count, input.RuncVersion, progress));
            var r = await context.CallActivityAsync<NodeRuncResult>(nameof(InstallRuncOnNodeActivity),
                new InstallRuncNodeWork(input.ClusterId, input.Nodes[i], input.RuncVersion), retry);
            results.Add(r);
            progress[i] = new InstallRuncNodeProgress(r.Name, r.Success ? "done" : "failed", r.RuncVersion, r.Error);
        }
        var failed = results.Count(r => !r.Success);
        context.SetCustomStatus(new InstallRuncProgress("completed", 100, input.RuncVersion, progress));
        return new InstallRuncOutput(failed == 0, input.ClusterName, input.RuncVersion, results,
            failed == 0 ? $"runc {input.RuncVersion} installed on {results.Count} node(s)" : $"runc {input.RuncVersion} failed on {failed} of {results.Count} node(s)");
    }
}

public sealed class EnsureSnapAgentActivity(SnapAgent agent) : TaskActivity<string, bool>
{
    public override async Task<bool> RunAsync(TaskActivityContext context, string clusterId)
    {
        await agent.EnsureAsync(clusterId, CancellationToken.None);
        return true;
    }
}

public sealed class InstallRuncOnNodeActivity(SnapClusterService clusters) : TaskActivity<InstallRuncNodeWork, NodeRuncResult>
{
    public override Task<NodeRuncResult> RunAsync(TaskActivityContext context, InstallRuncNodeWork input) =>
        clusters.InstallRuncAsync(input.ClusterId, input.Node, input.RuncVersion, CancellationToken.None);
}
