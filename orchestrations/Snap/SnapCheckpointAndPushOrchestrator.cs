using Fleet.Core.Platform.Errors;
using Fleet.Core.Snap;
using Microsoft.DurableTask;
using Microsoft.Extensions.Options;

namespace Fleet.Orchestrations.Snap;

/// <summary>Checkpoint a container, then push it: names and a registry reference only (no credential).</summary>
public sealed record SnapCheckpointAndPushInput(string OperationId, string TaskName, string ClusterId, string Namespace, string PodName,
    string ContainerName, string? NodeName, RegistryRef Registry, string Repository, string Tag);

public sealed record SnapCheckpointActivityInput(SnapCheckpointRequest Request, string OperationId, string TaskName);

/// <summary>The checkpoint step's outcome: where its archive is, or the refusal.</summary>
public sealed record SnapCheckpointStep(string? Code, string? Error, int Status, string? CheckpointId, string? BlobContainer, string? BlobName,
    long Size, string? Sha256);

/// <summary>
/// <c>checkpoint-and-push</c> and <c>automation/trigger</c>: activity 1 takes the checkpoint through the kubelet into Blob
/// storage (<see cref="SnapCheckpointService"/>, idempotent under the id made here), then the push steps of
/// <see cref="SnapPushOrchestrator"/> run in the same orchestration. A failed checkpoint still drops the credential reference.
/// </summary>
public sealed class SnapCheckpointAndPushOrchestrator : TaskOrchestrator<SnapCheckpointAndPushInput, SnapPushOutput>
{
    private static readonly TaskOptions Retry = TaskOptions.FromRetryPolicy(new RetryPolicy(3, TimeSpan.FromSeconds(1), 2));

    public override async Task<SnapPushOutput> RunAsync(TaskOrchestrationContext context, SnapCheckpointAndPushInput input)
    {
        context.SetCustomStatus(new SnapPushStatus("checkpointing", 0, 0, 0));
        var checkpointId = SnapCheckpointService.NewId(context.CurrentUtcDateTime, context.NewGuid());
        var request = new SnapCheckpointRequest(input.ClusterId, input.Namespace, input.PodName, input.ContainerName, input.NodeName, checkpointId);
        SnapCheckpointStep step;
        try
        {
            step = await context.CallActivityAsync<SnapCheckpointStep>(nameof(SnapCheckpointActivity),
                new SnapCheckpointActivityInput(request, input.OperationId, input.TaskName), Retry);
        }
        catch (TaskFailedException e)
        {
            step = new SnapCheckpointStep(SnapErrors.CheckpointFailed, SnapPushOrchestrator.Innermost(e.FailureDetails), 502, null, null, null, 0, null);
        }
        var push = new SnapPushRequest(input.OperationId, input.TaskName, new ArchiveBlob(step.BlobContainer ?? "", step.BlobName ?? ""),
            input.ContainerName, input.Registry, input.Repository, input.Tag, context.CurrentUtcDateTime);
        if (step.Code is not null)
        {
            context.SetCustomStatus(new SnapPushStatus("failed", 100, 0, 0));
            await context.CallActivityAsync(nameof(SnapPushCleanupActivity), new SnapCleanupInput(push, null, true), Retry);
            return new SnapPushOutput(false, step.Code, step.Error, null, null, null, input.Repository, input.Tag, null, 0, input.ContainerName, 0, step.Status);
        }
        context.SetCustomStatus(new SnapPushStatus("checkpointed", 0, step.Size, step.Size));
        var output = await SnapPushOrchestrator.PushAsync(context, push);
        return output with { CheckpointId = step.CheckpointId };
    }
}

public sealed class SnapCheckpointActivity(SnapCheckpointService checkpoints, SnapProgress progress, IOptions<SnapOptions> options)
    : TaskActivity<SnapCheckpointActivityInput, SnapCheckpointStep>
{
    public override async Task<SnapCheckpointStep> RunAsync(TaskActivityContext context, SnapCheckpointActivityInput input)
    {
        progress.Report(new SnapProgressUpdate(input.OperationId, input.TaskName, "checkpointing", 0, 0, 0,
            $"Checkpointing {input.Request.Namespace}/{input.Request.PodName}/{input.Request.ContainerName}"));
        try
        {
            var r = await checkpoints.CheckpointAsync(input.Request, CancellationToken.None);
            progress.Report(new SnapProgressUpdate(input.OperationId, input.TaskName, "checkpointed", 0, r.Size, r.Size,
                $"Checkpoint {r.Id} stored ({r.Size} bytes)"));
            return new SnapCheckpointStep(null, null, 0, r.Id, options.Value.BlobContainer, r.BlobName, r.Size, r.Sha256);
        }
        catch (FleetException e) when (e.Kind is not (FleetErrorKind.UpstreamUnreachable or FleetErrorKind.UpstreamTimeout or FleetErrorKind.Internal))
        {
            return new SnapCheckpointStep(e.Code ?? SnapCodes.CodeOf(e), e.Message, e.Kind.StatusCode(), null, null, null, 0, null);
        }
    }
}
