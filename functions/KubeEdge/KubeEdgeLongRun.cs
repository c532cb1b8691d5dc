using System.Text.Json;
using System.Text.Json.Nodes;
using Fleet.Core.KubeEdge;
using Fleet.Core.Platform.Errors;
using Fleet.Core.Platform.Json;
using Fleet.Durable.Client;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Options;

namespace Fleet.Functions.KubeEdge;

/// <summary>
/// How a long KubeEdge route answers, as Durable Functions' WaitForCompletionOrCreateCheckStatusResponse does but in the seed's
/// shape: done within the short wait → the seed's body (200); still running → 202 with the check-status links merged into the body.
/// </summary>
public static class KubeEdgeLongRun
{
    public static async Task<IResult> RespondAsync<TOutput>(HttpRequest request, DurableTaskClient client, string instanceId,
        IOptions<KubeEdgeOptions> options, Func<TOutput, Task<object>> done, Func<JsonObject> running, int doneStatus = 200)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(request.HttpContext.RequestAborted);
        cts.CancelAfter(TimeSpan.FromSeconds(options.Value.SyncWaitSeconds));
        OrchestrationMetadata? meta = null;
        try { meta = await client.WaitForInstanceCompletionAsync(instanceId, true, cts.Token); }
        catch (OperationCanceledException) when (!request.HttpContext.RequestAborted.IsCancellationRequested) { }

        if (meta?.RuntimeStatus == OrchestrationRuntimeStatus.Completed)
            return Results.Json(await done(meta.ReadOutputAs<TOutput>()!), FleetJson.Options, statusCode: doneStatus);
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
