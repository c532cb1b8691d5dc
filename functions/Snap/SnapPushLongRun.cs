using System.Text.Json;
using System.Text.Json.Nodes;
using Fleet.Core.Platform.Json;
using Fleet.Core.Snap;
using Fleet.Functions.Platform.Durable;
using Fleet.Orchestrations.Snap;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Options;

namespace Fleet.Functions.Snap;

/// <summary>
/// How a SNAP push answers: done within <c>Snap:Push:LongRunningWait</c> → 200 with the image reference and digest (or SNAP's
/// error); still running → 202 with the operation id, its progress and the check-status links.
/// </summary>
public static class SnapPushLongRun
{
    public sealed record PushAccepted(bool Success, string Message, string OperationId, string Status);

    public sealed record PushDone(bool Success, string Message, string OperationId, string Image, string Digest, string Registry,
        string Repository, string Tag, string LayerDigest, long Size, string ContainerName, string? CheckpointId = null);

    public static async Task<IResult> RespondAsync(HttpRequest request, DurableTaskClient client, string instanceId)
    {
        var wait = request.HttpContext.RequestServices.GetRequiredService<IOptions<SnapPushOptions>>().Value.LongRunningWait;
        var meta = await LongRunResponse.WaitAsync(request, client, instanceId, wait);

        if (meta?.RuntimeStatus == OrchestrationRuntimeStatus.Completed && meta.ReadOutputAs<SnapPushOutput>() is { } output)
        {
            if (!output.Success) throw SnapCodes.FromCode(output.Code, output.Error ?? "The push failed", output.Status);
            return Results.Json(new PushDone(true, "Checkpoint image pushed", instanceId, output.Image!, output.Digest!, output.Registry!,
                output.Repository!, output.Tag!, output.LayerDigest!, output.Size, output.ContainerName!, output.CheckpointId), FleetJson.Options);
        }
        if (meta is not null)
            throw SnapCodes.FromCode(null, $"The push {meta.RuntimeStatus.ToString().ToLowerInvariant()}");

        var body = JsonSerializer.SerializeToNode(new PushAccepted(true, "Checkpoint image push started", instanceId, "in_progress"), FleetJson.Options)!.AsObject();
        return await LongRunResponse.AcceptedAsync(request, client, instanceId, body);
    }
}
