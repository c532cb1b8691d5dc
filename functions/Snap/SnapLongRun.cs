using System.Text.Json;
using System.Text.Json.Nodes;
using Fleet.Core.Platform.Errors;
using Fleet.Core.Platform.Json;
using Fleet.Core.Snap;
using Fleet.Durable.Client;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Options;

namespace Fleet.Functions.Snap;

/// <summary>
/// How a long SNAP route answers (as KubeEdge's do): done within the short wait → the seed's body (200); still running →
/// 202 with the check-status links and the current progress merged into the body.
/// </summary>
public static class SnapLongRun
{
    public static async Task<IResult> RespondAsync<TOutput>(HttpRequest request, DurableTaskClient client, string instanceId,
        IOptions<SnapOptions> options, Func<JsonObject> running)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(request.HttpContext.RequestAborted);
        cts.CancelAfter(TimeSpan.FromSeconds(options.Value.SyncWaitSeconds));
        OrchestrationMetadata? meta = null;
        try { meta = await client.WaitForInstanceCompletionAsync(instanceId, true, cts.Token); }
        catch (OperationCanceledException) when (!request.HttpContext.RequestAborted.IsCancellationRequested) { }

        if (meta?.RuntimeStatus == OrchestrationRuntimeStatus.Completed)
            return Results.Json(meta.ReadOutputAs<TOutput>(), FleetJson.Options);
        if (meta is not null)
            throw new FleetException(FleetErrorKind.Internal, $"the operation {meta.RuntimeStatus.ToString().ToLowerInvariant()}: {meta.FailureDetails?.ErrorMessage}");

        var body = running();
        var links = JsonSerializer.SerializeToNode(client.CreateHttpManagementPayload(request, instanceId))!.AsObject();
        foreach (var (k, v) in links) body[k] = v?.DeepClone();
        var current = await client.GetInstanceAsync(instanceId, true);
        if (current?.SerializedCustomStatus is { } status) body["progress"] = JsonNode.Parse(status);
        request.HttpContext.Response.Headers.Location = (string?)body["statusQueryGetUri"];
        request.HttpContext.Response.Headers.RetryAfter = "2";
        return Results.Json(body, FleetJson.Options, statusCode: StatusCodes.Status202Accepted);
    }
}
