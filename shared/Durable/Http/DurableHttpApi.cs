using System.Text.Json;
using System.Text.Json.Nodes;
using DurableTask.Core.History;
using Fleet.Durable.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using static Fleet.Durable.Http.DurableHttpParameters;

namespace Fleet.Durable.Http;

/// <summary>The Durable Functions HTTP management API under <c>/runtime/webhooks/durabletask</c>, on Microsoft.DurableTask's
/// <see cref="DurableTaskClient"/>: routes, parameters, status codes and JSON as Durable Functions answers them.</summary>
public static class DurableHttpApi
{
    /// <summary>Maps the management API and returns its route group, so the host can add authorization and metadata.</summary>
    /// <param name="endpoints">The endpoint route builder.</param>
    public static RouteGroupBuilder MapDurableTaskHttpApi(this IEndpointRouteBuilder endpoints)
    {
        var g = endpoints.MapGroup(DurableTaskClientHttpExtensions.BasePath);
        g.MapPost("/orchestrators/{functionName}/{instanceId?}", StartAsync).WithName("Durable_StartOrchestration")
            .WithSummary("Starts an orchestration; with timeout, waits for it to finish");
        g.MapGet("/instances/{instanceId}", GetStatusAsync).WithName("Durable_GetInstance").WithSummary("The status of an instance");
        g.MapGet("/instances", (Delegate)ListAsync).WithName("Durable_ListInstances").WithSummary("Instances, paged with x-ms-continuation-token");
        g.MapDelete("/instances/{instanceId}", PurgeOneAsync).WithName("Durable_PurgeInstance").WithSummary("Purges a finished instance's history");
        g.MapDelete("/instances", (Delegate)PurgeManyAsync).WithName("Durable_PurgeInstances").WithSummary("Purges finished instances created in a time range");
        g.MapPost("/instances/{instanceId}/raiseEvent/{eventName}", RaiseEventAsync).WithName("Durable_RaiseEvent").WithSummary("Sends an event to an instance");
        g.MapPost("/instances/{instanceId}/terminate", (HttpContext c, string instanceId, string? reason) =>
            ControlAsync(c, instanceId, (cl, id) => cl.TerminateInstanceAsync(id, reason))).WithName("Durable_Terminate").WithSummary("Terminates an instance");
        g.MapPost("/instances/{instanceId}/suspend", (HttpContext c, string instanceId, string? reason) =>
            ControlAsync(c, instanceId, (cl, id) => cl.SuspendInstanceAsync(id, reason))).WithName("Durable_Suspend").WithSummary("Suspends an instance");
        g.MapPost("/instances/{instanceId}/resume", (HttpContext c, string instanceId, string? reason) =>
            ControlAsync(c, instanceId, (cl, id) => cl.ResumeInstanceAsync(id, reason))).WithName("Durable_Resume").WithSummary("Resumes a suspended instance");
        g.MapPost("/instances/{instanceId}/restart", RestartAsync).WithName("Durable_Restart").WithSummary("Restarts an instance with its input");
        g.MapPost("/instances/{instanceId}/rewind", RewindAsync).WithName("Durable_Rewind").WithSummary("Rewinds a failed instance");
        // Fleet registers no durable entities; the routes answer as a host without entities would.
        g.MapMethods("/entities/{**path}", ["GET", "POST"], (string path) => Error(501, "Durable entities are not supported by this host: it registers no entity functions."))
            .WithName("Durable_Entities").WithSummary("Durable entities (not supported)");
        return g;
    }

    private static DurableTaskClient Client(HttpContext c) => c.RequestServices.GetRequiredService<DurableTaskClient>();

    /// <summary>The Durable Functions JSON spelling (camelCase), whatever naming policy the host sets for its own APIs.</summary>
    private static readonly JsonSerializerOptions WireJson = new(JsonSerializerDefaults.Web);

    private static IResult Error(int status, string message) => Results.Json(new { message }, WireJson, statusCode: status);

    private static IResult NotFound(string instanceId) => Error(404, $"No instance with ID '{instanceId}' found.");

    private static async Task<IResult> StartAsync(HttpContext c, string functionName, string? instanceId)
    {
        var registry = c.RequestServices.GetRequiredService<IOptionsMonitor<DurableTaskRegistry>>().Get(Microsoft.Extensions.Options.Options.DefaultName);
        if (!registry.GetOrchestrators().Any(o => string.Equals(o.Key.Name, functionName, StringComparison.OrdinalIgnoreCase)))
            return Error(400, $"The function '{functionName}' doesn't exist, is disabled, or is not an orchestrator function.");
        // Timer limits are checked before anything is created.
        if (!TryReadSeconds(c.Request.Query, "timeout", out var timeout, out string? error)
            || !TryReadSeconds(c.Request.Query, "pollingInterval", out _, out error))
            return Error(400, error!);
        var body = await ReadJsonBodyAsync(c.Request);
        if (!body.Ok) return Error(400, "Invalid JSON content.");
        var client = Client(c);
        string id;
        try
        {
            id = await client.ScheduleNewOrchestrationInstanceAsync(functionName, body.Json is null ? null : new Client.FleetDurableTaskClient.RawInput(body.Json),
                new StartOrchestrationOptions(string.IsNullOrEmpty(instanceId) ? null : Uri.UnescapeDataString(instanceId)), c.RequestAborted);
        }
        catch (global::DurableTask.Core.Exceptions.OrchestrationAlreadyExistsException ex)
        {
            return Error(409, ex.Message);
        }
        catch (ArgumentException ex)
        {
            return Error(400, ex.Message);
        }
        if (timeout is { } wait && wait > TimeSpan.Zero)
        {
            using var cts = CancellationTokenSource.CreateLinkedTokenSource(c.RequestAborted);
            cts.CancelAfter(wait);
            try
            {
                var done = await client.WaitForInstanceCompletionAsync(id, true, cts.Token);
                return StatusResult(done, showInput: true, history: null, location: null, internalErrorOnFailure: false);
            }
            catch (OperationCanceledException) when (!c.RequestAborted.IsCancellationRequested)
            {
            }
        }
        return client.CreateCheckStatusResponse(c.Request, id);
    }

    private static async Task<IResult> GetStatusAsync(HttpContext c, string instanceId)
    {
        instanceId = Uri.UnescapeDataString(instanceId);
        var q = c.Request.Query;
        var client = Client(c);
        var m = await client.GetInstanceAsync(instanceId, true, c.RequestAborted);
        if (m is null) return NotFound(instanceId);
        JsonArray? history = null;
        if (Flag(q, "showHistory") == true) history = DurableHistoryJson.Of(await client.GetOrchestrationHistoryAsync(instanceId, c.RequestAborted), Flag(q, "showHistoryOutput") == true);
        string location = $"{c.Request.Scheme}://{c.Request.Host}{c.Request.PathBase}{c.Request.Path}{c.Request.QueryString}";
        return StatusResult(m, Flag(q, "showInput") != false, history, location, Flag(q, "returnInternalServerErrorOnFailure") == true);
    }

    private static IResult StatusResult(OrchestrationMetadata m, bool showInput, JsonArray? history, string? location, bool internalErrorOnFailure)
    {
        var body = ToStatusJson(m, showInput, history).ToJsonString();
        int status = m.RuntimeStatus switch
        {
            OrchestrationRuntimeStatus.Running or OrchestrationRuntimeStatus.Pending or OrchestrationRuntimeStatus.Suspended => 202,
            OrchestrationRuntimeStatus.Failed when internalErrorOnFailure => 500,
            _ => 200,
        };
        return new StatusJsonResult(body, status, status == 202 ? location : null);
    }

    private sealed class StatusJsonResult(string json, int status, string? location) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            if (status == 202)
            {
                if (location is not null) httpContext.Response.Headers.Location = location;
                httpContext.Response.Headers.RetryAfter = "5";
            }
            return new RawJsonResult(json, status).ExecuteAsync(httpContext);
        }
    }

    /// <summary>The instance JSON of the Durable Functions status API.</summary>
    internal static JsonObject ToStatusJson(OrchestrationMetadata m, bool showInput, JsonArray? history)
    {
        var o = new JsonObject
        {
            ["name"] = m.Name,
            ["instanceId"] = m.InstanceId,
            ["runtimeStatus"] = m.RuntimeStatus.ToString(),
            ["input"] = showInput ? DurableHistoryJson.Parse(m.SerializedInput) : null,
            ["customStatus"] = DurableHistoryJson.Parse(m.SerializedCustomStatus),
            ["output"] = m.RuntimeStatus == OrchestrationRuntimeStatus.Failed && m.FailureDetails is { } f
                ? JsonValue.Create($"Orchestrator function '{m.Name}' failed: {f.ErrorMessage}")
                : DurableHistoryJson.Parse(m.SerializedOutput),
            ["createdTime"] = DurableHistoryJson.Time(m.CreatedAt.UtcDateTime),
            ["lastUpdatedTime"] = DurableHistoryJson.Time(m.LastUpdatedAt.UtcDateTime),
        };
        if (history is not null) o["historyEvents"] = history;
        return o;
    }

    private static async Task<IResult> ListAsync(HttpContext c)
    {
        var q = c.Request.Query;
        string? token = c.Request.Headers["x-ms-continuation-token"].FirstOrDefault();
        int top = Int(q, "top") is int t and > 0 ? t : OrchestrationQuery.DefaultPageSize;
        var query = new OrchestrationQuery
        {
            InstanceIdPrefix = q["instanceIdPrefix"].FirstOrDefault(),
            CreatedFrom = Time(q, "createdTimeFrom"),
            CreatedTo = Time(q, "createdTimeTo"),
            Statuses = Statuses(q),
            PageSize = Math.Min(top, 1000),
            FetchInputsAndOutputs = true,
            ContinuationToken = string.IsNullOrEmpty(token) ? null : token,
        };
        bool showInput = Flag(q, "showInput") != false;
        try
        {
            await foreach (var page in Client(c).GetAllInstancesAsync(query).AsPages(query.ContinuationToken, query.PageSize).WithCancellation(c.RequestAborted))
            {
                // One page per request; the next one is asked for with the token.
                if (page.ContinuationToken is not null) c.Response.Headers["x-ms-continuation-token"] = page.ContinuationToken;
                var array = new JsonArray(page.Values.Select(m => (JsonNode)ToStatusJson(m, showInput, null)).ToArray());
                return new RawJsonResult(array.ToJsonString(), 200);
            }
        }
        catch (Exception ex) when (query.ContinuationToken is not null && IsBadToken(ex))
        {
            return Error(400, "The x-ms-continuation-token header is not a continuation token this API returned.");
        }
        return new RawJsonResult("[]", 200);
    }

    private static bool IsBadToken(Exception ex) => ex is FormatException or ArgumentException or JsonException or Newtonsoft.Json.JsonException
        || ex is Azure.RequestFailedException { Status: 400 } || ex.InnerException is { } inner && IsBadToken(inner);

    private static async Task<IResult> PurgeOneAsync(HttpContext c, string instanceId)
    {
        instanceId = Uri.UnescapeDataString(instanceId);
        var client = Client(c);
        var m = await client.GetInstanceAsync(instanceId, false, c.RequestAborted);
        if (m is null) return NotFound(instanceId);
        if (!m.IsCompleted) return Error(412, $"The instance '{instanceId}' is {m.RuntimeStatus}: only finished instances can be purged; terminate it first.");
        var r = await client.PurgeInstanceAsync(instanceId, cancellation: c.RequestAborted);
        return r.PurgedInstanceCount == 0 ? NotFound(instanceId) : Results.Json(new { instancesDeleted = r.PurgedInstanceCount }, WireJson);
    }

    private static async Task<IResult> PurgeManyAsync(HttpContext c)
    {
        var q = c.Request.Query;
        if (Time(q, "createdTimeFrom") is not { } from) return Error(400, "The createdTimeFrom parameter is required.");
        var r = await Client(c).PurgeAllInstancesAsync(new PurgeInstancesFilter(from, Time(q, "createdTimeTo"), Statuses(q)), c.RequestAborted);
        return r.PurgedInstanceCount == 0 ? Error(404, "No instances matched.") : Results.Json(new { instancesDeleted = r.PurgedInstanceCount }, WireJson);
    }

    private static async Task<IResult> RaiseEventAsync(HttpContext c, string instanceId, string eventName)
    {
        instanceId = Uri.UnescapeDataString(instanceId);
        var client = Client(c);
        // The instance's state is checked before the body, as Durable Functions does.
        var m = await client.GetInstanceAsync(instanceId, false, c.RequestAborted);
        if (m is null) return NotFound(instanceId);
        if (m.IsCompleted) return Error(410, $"The instance '{instanceId}' is already {m.RuntimeStatus}.");
        if (!IsJsonContentType(c.Request.ContentType)) return Error(400, "Invalid JSON content.");
        var body = await ReadJsonBodyAsync(c.Request);
        if (!body.Ok) return Error(400, "Invalid JSON content.");
        await client.RaiseEventAsync(instanceId, eventName, body.Json is null ? null : new Client.FleetDurableTaskClient.RawInput(body.Json), c.RequestAborted);
        return Results.StatusCode(202);
    }

    private static async Task<IResult> ControlAsync(HttpContext c, string instanceId, Func<DurableTaskClient, string, Task> action)
    {
        instanceId = Uri.UnescapeDataString(instanceId);
        var client = Client(c);
        var m = await client.GetInstanceAsync(instanceId, false, c.RequestAborted);
        if (m is null) return NotFound(instanceId);
        if (m.IsCompleted) return Error(410, $"The instance '{instanceId}' is already {m.RuntimeStatus}.");
        await action(client, instanceId);
        return Results.StatusCode(202);
    }

    private static async Task<IResult> RestartAsync(HttpContext c, string instanceId)
    {
        instanceId = Uri.UnescapeDataString(instanceId);
        var client = Client(c);
        var m = await client.GetInstanceAsync(instanceId, false, c.RequestAborted);
        if (m is null) return NotFound(instanceId);
        try
        {
            string id = await client.RestartAsync(instanceId, Flag(c.Request.Query, "restartWithNewInstanceId") == true, c.RequestAborted);
            return client.CreateCheckStatusResponse(c.Request, id);
        }
        catch (Exception ex) when (ex is global::DurableTask.Core.Exceptions.OrchestrationAlreadyExistsException or InvalidOperationException)
        {
            return Error(409, ex.Message);
        }
    }

    private static async Task<IResult> RewindAsync(HttpContext c, string instanceId, string? reason)
    {
        instanceId = Uri.UnescapeDataString(instanceId);
        var client = Client(c);
        var m = await client.GetInstanceAsync(instanceId, false, c.RequestAborted);
        if (m is null) return NotFound(instanceId);
        if (m.RuntimeStatus != OrchestrationRuntimeStatus.Failed)
            return Error(412, $"The instance '{instanceId}' is {m.RuntimeStatus}: only failed instances can be rewound.");
        try
        {
            await client.RewindInstanceAsync(instanceId, reason ?? "", c.RequestAborted);
        }
        catch (NotSupportedException ex)
        {
            return Error(501, ex.Message);
        }
        return Results.StatusCode(202);
    }
}
