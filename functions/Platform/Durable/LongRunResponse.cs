using System.Text.Json;
using System.Text.Json.Nodes;
using Fleet.Core.Platform.Json;
using Fleet.Durable.Client;
using Microsoft.DurableTask.Client;

namespace Fleet.Functions.Platform.Durable;

/// <summary>
/// The two halves of Durable Functions' WaitForCompletionOrCreateCheckStatusResponse, shared by every family's long routes
/// (each family answers a finished run in its own seed's shape, so only the wait and the 202 live here).
/// </summary>
public static class LongRunResponse
{
    /// <summary>The instance once it has ended within <paramref name="wait"/>; null while it still runs.</summary>
    public static async Task<OrchestrationMetadata?> WaitAsync(HttpRequest request, DurableTaskClient client, string instanceId, TimeSpan wait)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(request.HttpContext.RequestAborted);
        cts.CancelAfter(wait);
        try { return await client.WaitForInstanceCompletionAsync(instanceId, true, cts.Token); }
        catch (OperationCanceledException) when (!request.HttpContext.RequestAborted.IsCancellationRequested) { return null; }
    }

    /// <summary>
    /// 202 with the family's "in progress" body, the check-status links merged into it (Location on statusQueryGetUri,
    /// Retry-After 2 s) and, when asked, the orchestration's custom status as <c>progress</c>.
    /// </summary>
    public static async Task<IResult> AcceptedAsync(HttpRequest request, DurableTaskClient client, string instanceId, JsonObject body, bool withProgress = true)
    {
        foreach (var (k, v) in JsonSerializer.SerializeToNode(client.CreateHttpManagementPayload(request, instanceId))!.AsObject())
            body[k] = v?.DeepClone();
        if (withProgress && (await client.GetInstanceAsync(instanceId, true))?.SerializedCustomStatus is { } status)
            body["progress"] = JsonNode.Parse(status);
        request.HttpContext.Response.Headers.Location = (string?)body["statusQueryGetUri"];
        request.HttpContext.Response.Headers.RetryAfter = "2";
        return Results.Json(body, FleetJson.Options, statusCode: StatusCodes.Status202Accepted);
    }
}
