using Fleet.Durable.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.DurableTask.Client;

namespace Fleet.Durable.Client;

/// <summary>Helpers for HTTP functions that start orchestrations, as in Durable Functions.</summary>
public static class DurableTaskClientHttpExtensions
{
    /// <summary>The management API's base path.</summary>
    public const string BasePath = "/runtime/webhooks/durabletask";

    /// <summary>Builds the check-status links for <paramref name="instanceId"/> from the request's scheme, host and <c>code</c>.</summary>
    /// <param name="client">The client.</param>
    /// <param name="request">The current request.</param>
    /// <param name="instanceId">The instance.</param>
    public static HttpManagementPayload CreateHttpManagementPayload(this DurableTaskClient client, HttpRequest request, string instanceId)
    {
        string root = $"{request.Scheme}://{request.Host}{request.PathBase}{BasePath}";
        string instance = $"{root}/instances/{Uri.EscapeDataString(instanceId)}";
        string hub = client is FleetDurableTaskClient fleet ? fleet.TaskHubName : client.Name;
        string query = $"taskHub={Uri.EscapeDataString(hub)}&connection=Storage";
        if (request.Query.TryGetValue("code", out var code) && !string.IsNullOrEmpty(code)) query += $"&code={Uri.EscapeDataString(code!)}";
        return new HttpManagementPayload
        {
            Id = instanceId,
            StatusQueryGetUri = $"{instance}?{query}",
            SendEventPostUri = $"{instance}/raiseEvent/{{eventName}}?{query}",
            TerminatePostUri = $"{instance}/terminate?reason={{text}}&{query}",
            PurgeHistoryDeleteUri = $"{instance}?{query}",
            RestartPostUri = $"{instance}/restart?{query}",
            SuspendPostUri = $"{instance}/suspend?reason={{text}}&{query}",
            ResumePostUri = $"{instance}/resume?reason={{text}}&{query}",
        };
    }

    /// <summary>202 Accepted with the check-status body, <c>Location</c> = the status link and <c>Retry-After: 10</c>.</summary>
    /// <param name="client">The client.</param>
    /// <param name="request">The current request.</param>
    /// <param name="instanceId">The instance.</param>
    public static IResult CreateCheckStatusResponse(this DurableTaskClient client, HttpRequest request, string instanceId)
    {
        var payload = client.CreateHttpManagementPayload(request, instanceId);
        return new CheckStatusResult(payload);
    }

    /// <summary>Waits up to <paramref name="timeout"/> (default 10 s) for the instance to finish: its output as 200 JSON when it completed,
    /// its status as 200 JSON when it failed or was terminated, otherwise the 202 check-status response.</summary>
    /// <param name="client">The client.</param>
    /// <param name="request">The current request.</param>
    /// <param name="instanceId">The instance.</param>
    /// <param name="timeout">How long to wait.</param>
    /// <param name="retryInterval">How often to poll for changes made by other processes (default 1 s).</param>
    public static async Task<IResult> WaitForCompletionOrCreateCheckStatusResponseAsync(this DurableTaskClient client, HttpRequest request,
        string instanceId, TimeSpan? timeout = null, TimeSpan? retryInterval = null)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(request.HttpContext.RequestAborted);
        cts.CancelAfter(timeout ?? TimeSpan.FromSeconds(10));
        OrchestrationMetadata? done = null;
        try
        {
            done = await client.WaitForInstanceCompletionAsync(instanceId, getInputsAndOutputs: true, cts.Token);
        }
        catch (OperationCanceledException) when (!request.HttpContext.RequestAborted.IsCancellationRequested)
        {
        }
        if (done is null) return client.CreateCheckStatusResponse(request, instanceId);
        if (done.RuntimeStatus == OrchestrationRuntimeStatus.Completed)
            return new RawJsonResult(done.SerializedOutput ?? "null", StatusCodes.Status200OK);
        return new RawJsonResult(DurableHttpApi.ToStatusJson(done, showInput: true, history: null).ToJsonString(), StatusCodes.Status200OK);
    }

    private sealed class CheckStatusResult(HttpManagementPayload payload) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.Headers.Location = payload.StatusQueryGetUri;
            httpContext.Response.Headers.RetryAfter = "10";
            return Results.Json(payload, new System.Text.Json.JsonSerializerOptions(System.Text.Json.JsonSerializerDefaults.Web), statusCode: StatusCodes.Status202Accepted).ExecuteAsync(httpContext);
        }
    }
}

/// <summary>Writes a JSON text as it is.</summary>
internal sealed class RawJsonResult(string json, int statusCode) : IResult
{
    public async Task ExecuteAsync(HttpContext httpContext)
    {
        httpContext.Response.StatusCode = statusCode;
        httpContext.Response.ContentType = "application/json; charset=utf-8";
        await httpContext.Response.WriteAsync(json);
    }
}
