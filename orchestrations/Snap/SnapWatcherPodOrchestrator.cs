using Fleet.Core.Snap;
using Fleet.Core.Snap.Operator;
using Microsoft.DurableTask;

namespace Fleet.Orchestrations.Snap;

/// <summary>
/// One pod the SnapWatcher took up: each container through <see cref="SnapCheckpointAndPushOrchestrator"/> (a
/// sub-orchestration, image <c>{repository}:{container}</c>), then, when <c>auto_delete_pod</c> and every container was
/// pushed, the pod is deleted (uid precondition); a pod with a failed container is left running. The outcome goes to the
/// pod's row, where the watcher's counts come from.
/// </summary>
public sealed class SnapWatcherPodOrchestrator : TaskOrchestrator<SnapWatcherPodInput, SnapWatcherPodOutcome>
{
    private static readonly TaskOptions Retry = TaskOptions.FromRetryPolicy(new RetryPolicy(3, TimeSpan.FromSeconds(1), 2));

    public override async Task<SnapWatcherPodOutcome> RunAsync(TaskOrchestrationContext context, SnapWatcherPodInput input)
    {
        int checkpointed = 0, pushed = 0, failed = 0;
        var images = new List<string>();
        var errors = new List<string>();
        for (var i = 0; i < input.Containers.Count; i++)
        {
            var container = input.Containers[i];
            var id = $"{context.InstanceId}-c{i}";
            context.SetCustomStatus(new { stage = "checkpointing", container, done = i, total = input.Containers.Count });
            SnapPushOutput output;
            try
            {
                output = await context.CallSubOrchestratorAsync<SnapPushOutput>(nameof(SnapCheckpointAndPushOrchestrator),
                    new SnapCheckpointAndPushInput(id, SnapWatcherPodInput.TaskName, input.ClusterId, input.Namespace, input.PodName, container, null,
                        input.Registry, input.Repository, ImageNames.Component(container)),
                    new SubOrchestrationOptions { InstanceId = id });
            }
            catch (TaskFailedException e)
            {
                output = new SnapPushOutput(false, SnapErrors.CheckpointFailed, SnapPushOrchestrator.Innermost(e.FailureDetails), null, null, null,
                    input.Repository, container, null, 0, container, 0);
            }
            if (output.CheckpointId is not null) checkpointed++;
            if (output.Success && output.Image is not null)
            {
                pushed++;
                images.Add(output.Image);
            }
            else
            {
                failed++;
                errors.Add($"{container}: {output.Code} {output.Error}");
            }
        }
        var deleted = false;
        if (input.AutoDeletePod && failed == 0)
        {
            context.SetCustomStatus(new { stage = "deleting_pod", done = input.Containers.Count, total = input.Containers.Count });
            deleted = await context.CallActivityAsync<bool>(nameof(SnapWatcherDeletePodActivity),
                new SnapWatcherDeletePod(input.ClusterId, input.Namespace, input.PodName, input.PodUid), Retry);
        }
        var outcome = new SnapWatcherPodOutcome(input.WatchId, input.PodUid, checkpointed, pushed, failed, deleted, images,
            errors.Count == 0 ? null : string.Join("; ", errors));
        await context.CallActivityAsync(nameof(SnapWatcherRecordActivity), outcome, Retry);
        context.SetCustomStatus(new { stage = failed == 0 ? "completed" : "failed", done = input.Containers.Count, total = input.Containers.Count });
        return outcome;
    }
}

public sealed class SnapWatcherDeletePodActivity(SnapWatcherPods pods) : TaskActivity<SnapWatcherDeletePod, bool>
{
    public override Task<bool> RunAsync(TaskActivityContext context, SnapWatcherDeletePod input) => pods.DeleteAsync(input, CancellationToken.None);
}

public sealed class SnapWatcherRecordActivity(SnapWatcherPods pods) : TaskActivity<SnapWatcherPodOutcome, bool>
{
    public override async Task<bool> RunAsync(TaskActivityContext context, SnapWatcherPodOutcome input)
    {
        await pods.RecordAsync(input, CancellationToken.None);
        return true;
    }
}
