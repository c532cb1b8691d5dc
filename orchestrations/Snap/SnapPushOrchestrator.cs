using Fleet.Core.Platform.Errors;
using Fleet.Core.Snap;
using Microsoft.DurableTask;

namespace Fleet.Orchestrations.Snap;

/// <summary>One step's outcome: a refusal (SNAP code and safe message) is a result, not an exception, so it is not retried.</summary>
public sealed record SnapStepResult(string? Code, string? Error, SnapPushPlan? Plan = null, long Bytes = 0, string? Digest = null, int Status = 0)
{
    public static SnapStepResult Refused(FleetException e) => new(SnapCodes.CodeOf(e), e.Message, Status: e.Kind.StatusCode());
}

public sealed record SnapLayerInput(SnapPushRequest Request, SnapPushPlan Plan);
public sealed record SnapCleanupInput(SnapPushRequest Request, string? LayerDigest, bool Failed);

/// <summary>The answer of a push: the image reference with its digest, or SNAP's error code.</summary>
public sealed record SnapPushOutput(bool Success, string? Code, string? Error, string? Image, string? Digest, string? Registry,
    string? Repository, string? Tag, string? LayerDigest, long Size, string? ContainerName, long BytesSent, int Status = 0, string? CheckpointId = null);

/// <summary>Custom status of a push: where it stands (no secret in it).</summary>
public sealed record SnapPushStatus(string Stage, int Percent, long Bytes, long TotalBytes, string? Image = null);

/// <summary>
/// Builds and pushes a checkpoint image: prepare (archive, image, credentials, config blob), the layer (chunked; a retry
/// resumes the registry's upload), the manifest last, then cleanup. The manifest is only written when every blob is in,
/// so a failed push leaves nothing a tag references; credentials are resolved inside activities from a reference.
/// </summary>
public sealed class SnapPushOrchestrator : TaskOrchestrator<SnapPushRequest, SnapPushOutput>
{
    private static readonly TaskOptions Retry = TaskOptions.FromRetryPolicy(new RetryPolicy(3, TimeSpan.FromSeconds(1), 2));

    public override Task<SnapPushOutput> RunAsync(TaskOrchestrationContext context, SnapPushRequest input) => PushAsync(context, input);

    /// <summary>The push steps, also run inline by <see cref="SnapCheckpointAndPushOrchestrator"/> after its checkpoint.</summary>
    public static async Task<SnapPushOutput> PushAsync(TaskOrchestrationContext context, SnapPushRequest input)
    {
        context.SetCustomStatus(new SnapPushStatus("preparing", 0, 0, 0));
        SnapPushPlan? plan = null;
        try
        {
            var prepared = await context.CallActivityAsync<SnapStepResult>(nameof(SnapPrepareActivity), input, Retry);
            if (prepared.Plan is null) return await FailAsync(context, input, null, prepared.Code, prepared.Error, prepared.Status);
            plan = prepared.Plan;
            var total = plan.Layer.Size;
            context.SetCustomStatus(new SnapPushStatus("pushing_layer", 10, 0, total));
            var layer = await context.CallActivityAsync<SnapStepResult>(nameof(SnapPushLayerActivity), new SnapLayerInput(input, plan), Retry);
            if (layer.Code is not null) return await FailAsync(context, input, plan, layer.Code, layer.Error, layer.Status);
            context.SetCustomStatus(new SnapPushStatus("pushing_manifest", 90, total, total));
            var manifest = await context.CallActivityAsync<SnapStepResult>(nameof(SnapPushManifestActivity), new SnapLayerInput(input, plan), Retry);
            if (manifest.Digest is null) return await FailAsync(context, input, plan, manifest.Code, manifest.Error, manifest.Status);
            await context.CallActivityAsync(nameof(SnapPushCleanupActivity), new SnapCleanupInput(input, plan.Layer.Digest, false), Retry);
            var image = $"{plan.Registry}/{plan.Repository}:{plan.Tag}@{manifest.Digest}";
            context.SetCustomStatus(new SnapPushStatus("completed", 100, total, total, image));
            return new SnapPushOutput(true, null, null, image, manifest.Digest, plan.Registry, plan.Repository, plan.Tag, plan.Layer.Digest,
                total, plan.ContainerName, layer.Bytes);
        }
        catch (TaskFailedException e)
        {
            return await FailAsync(context, input, plan, SnapCodes.RegistryConnectionFailed, Innermost(e.FailureDetails), 502);
        }
    }

    private static async Task<SnapPushOutput> FailAsync(TaskOrchestrationContext context, SnapPushRequest input, SnapPushPlan? plan,
        string? code, string? error, int status)
    {
        context.SetCustomStatus(new SnapPushStatus("failed", 100, 0, plan?.Layer.Size ?? 0));
        try
        {
            await context.CallActivityAsync(nameof(SnapPushCleanupActivity), new SnapCleanupInput(input, plan?.Layer.Digest, true), Retry);
        }
        catch (TaskFailedException)
        {
        }
        return new SnapPushOutput(false, code ?? SnapCodes.CheckpointFailed, error ?? "The push failed", null, null, plan?.Registry,
            input.Repository, input.Tag, plan?.Layer.Digest, plan?.Layer.Size ?? 0, plan?.ContainerName, 0, status);
    }

    public static string Innermost(TaskFailureDetails d)
    {
        while (d.InnerFailure is not null) d = d.InnerFailure;
        return d.ErrorMessage;
    }
}

/// <summary>Refusals (bad credentials, bad archive) are results; a registry that stops answering throws, so the step is retried.</summary>
internal static class SnapSteps
{
    public static async Task<SnapStepResult> RunAsync(Func<Task<SnapStepResult>> step)
    {
        try
        {
            return await step();
        }
        catch (FleetException e) when (e.Kind is not (FleetErrorKind.UpstreamUnreachable or FleetErrorKind.UpstreamTimeout or FleetErrorKind.Internal))
        {
            return SnapStepResult.Refused(e);
        }
    }
}

public sealed class SnapPrepareActivity(SnapPushService push) : TaskActivity<SnapPushRequest, SnapStepResult>
{
    public override Task<SnapStepResult> RunAsync(TaskActivityContext context, SnapPushRequest input) =>
        SnapSteps.RunAsync(async () => new SnapStepResult(null, null, await push.PrepareAsync(input, CancellationToken.None)));
}

public sealed class SnapPushLayerActivity(SnapPushService push) : TaskActivity<SnapLayerInput, SnapStepResult>
{
    public override Task<SnapStepResult> RunAsync(TaskActivityContext context, SnapLayerInput input) =>
        SnapSteps.RunAsync(async () =>
        {
            var r = await push.PushLayerAsync(input.Request, input.Plan, CancellationToken.None);
            return new SnapStepResult(null, null, Bytes: r.BytesSent);
        });
}

public sealed class SnapPushManifestActivity(SnapPushService push) : TaskActivity<SnapLayerInput, SnapStepResult>
{
    public override Task<SnapStepResult> RunAsync(TaskActivityContext context, SnapLayerInput input) =>
        SnapSteps.RunAsync(async () => new SnapStepResult(null, null, Digest: await push.PushManifestAsync(input.Request, input.Plan, CancellationToken.None)));
}

public sealed class SnapPushCleanupActivity(SnapPushService push) : TaskActivity<SnapCleanupInput, bool>
{
    public override async Task<bool> RunAsync(TaskActivityContext context, SnapCleanupInput input)
    {
        await push.CleanupAsync(input.Request, input.LayerDigest, input.Failed, CancellationToken.None);
        return true;
    }
}
