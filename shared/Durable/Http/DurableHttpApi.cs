using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Fleet.Durable.Client;
using Fleet.Durable.Runtime;
using Fleet.Durable.Worker;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Fleet.Durable.Http;

/// <summary>The Durable Functions HTTP management API under <c>/runtime/webhooks/durabletask</c>: routes, parameters, status codes and JSON.</summary>
public static class DurableHttpApi
{
    /// <summary>Maps the management API and returns its route group, so the host can add authorization and metadata.</summary>
    /// <param name="endpoints">The endpoint route builder.</param>
    public static RouteGroupBuilder MapDurableTaskHttpApi(this IEndpointRouteBuilder endpoints)
    {
        var g = endpoints.MapGroup(DurableTaskClientHttpExtensions.BasePath);
        g.MapPost("/orchestrators/{functionName}/{instanceId?}", StartAsync);
        g.MapGet("/instances/{instanceId}", GetStatusAsync);
        g.MapGet("/instances", ListAsync);
        g.MapDelete("/instances/{instanceId}", PurgeOneAsync);
        g.MapDelete("/instances", PurgeManyAsync);
        g.MapPost("/instances/{instanceId}/raiseEvent/{eventName}", RaiseEventAsync);
        g.MapPost("/instances/{instanceId}/terminate", (HttpContext c, string instanceId, string? reason) =>
            ControlAsync(c, instanceId, (cl, id) => cl.TerminateInstanceAsync(id, reason)));
        g.MapPost("/instances/{instanceId}/suspend", (HttpContext c, string instanceId, string? reason) =>
            ControlAsync(c, instanceId, (cl, id) => cl.SuspendInstanceAsync(id, reason)));
        g.MapPost("/instances/{instanceId}/resume", (HttpContext c, string instanceId, string? reason) =>
            ControlAsync(c, instanceId, (cl, id) => cl.ResumeInstanceAsync(id, reason)));
        g.MapPost("/instances/{instanceId}/restart", RestartAsync);
        return g;
    }

    private static DurableTaskClient Client(HttpContext c) => c.RequestServices.GetRequiredService<DurableTaskClient>();

    private static IResult Error(int status, string message) => Results.Json(new { message }, statusCode: status);

    private static async Task<(bool Ok, string? Json)> ReadJsonBodyAsync(HttpRequest request)
    {
        using var reader = new StreamReader(request.Body);
        string text = await reader.ReadToEndAsync(request.HttpContext.RequestAborted);
        if (string.IsNullOrWhiteSpace(text)) return (true, null);
        try
        {
            using var doc = JsonDocument.Parse(text);
            return (true, doc.RootElement.GetRawText());
        }
        catch (JsonException)
        {
            return (false, null);
        }
    }

    private static async Task<IResult> StartAsync(HttpContext c, string functionName, string? instanceId, double? timeout, double? pollingInterval)
    {
        var registry = c.RequestServices.GetRequiredService<DurableTaskRegistry>();
        if (!registry.Orchestrators.ContainsKey(functionName))
            return Error(400, $"The function '{functionName}' doesn't exist, is disabled, or is not an orchestrator function.");
        var (ok, json) = await ReadJsonBodyAsync(c.Request);
        if (!ok) return Error(400, "The request body is not valid JSON.");
        var client = Client(c);
        string id;
        try
        {
            id = await client.ScheduleNewOrchestrationInstanceAsync(functionName, json is null ? null : new RawJson(json),
                new StartOrchestrationOptions(string.IsNullOrEmpty(instanceId) ? null : instanceId));
        }
        catch (OrchestrationAlreadyExistsException ex)
        {
            return Error(409, ex.Message);
        }
        catch (ArgumentException ex)
        {
            return Error(400, ex.Message);
        }
        if (timeout is > 0)
        {
            using var cts = CancellationTokenSource.CreateLinkedTokenSource(c.RequestAborted);
            cts.CancelAfter(TimeSpan.FromSeconds(timeout.Value));
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

    private static async Task<IResult> GetStatusAsync(HttpContext c, string instanceId, bool? showHistory, bool? showHistoryOutput,
        bool? showInput, bool? returnInternalServerErrorOnFailure)
    {
        var client = Client(c);
        var m = await client.GetInstanceAsync(instanceId, true, c.RequestAborted);
        if (m is null) return Error(404, $"No instance with ID '{instanceId}' found.");
        JsonArray? history = null;
        if (showHistory == true) history = HistoryJson(await client.GetHistoryAsync(instanceId, c.RequestAborted), showHistoryOutput == true);
        string location = $"{c.Request.Scheme}://{c.Request.Host}{c.Request.PathBase}{c.Request.Path}{c.Request.QueryString}";
        return StatusResult(m, showInput != false, history, location, returnInternalServerErrorOnFailure == true);
    }

    private static IResult StatusResult(OrchestrationMetadata m, bool showInput, JsonArray? history, string? location, bool internalErrorOnFailure)
    {
        var body = ToStatusJson(m, showInput, history).ToJsonString();
        int status = m.RuntimeStatus switch
        {
            OrchestrationRuntimeStatus.Running or OrchestrationRuntimeStatus.Pending or OrchestrationRuntimeStatus.Suspended
                or OrchestrationRuntimeStatus.ContinuedAsNew => 202,
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
            ["input"] = showInput ? Parse(m.SerializedInput) : null,
            ["customStatus"] = Parse(m.SerializedCustomStatus),
            ["output"] = m.RuntimeStatus == OrchestrationRuntimeStatus.Failed && m.FailureDetails is { } f
                ? JsonValue.Create($"Orchestrator function '{m.Name}' failed: {f.ErrorMessage}")
                : Parse(m.SerializedOutput),
            ["createdTime"] = Time(m.CreatedAt.UtcDateTime),
            ["lastUpdatedTime"] = Time(m.LastUpdatedAt.UtcDateTime),
        };
        if (history is not null) o["historyEvents"] = history;
        return o;
    }

    private static JsonNode? Parse(string? json)
    {
        if (string.IsNullOrEmpty(json)) return null;
        try { return JsonNode.Parse(json); } catch (JsonException) { return JsonValue.Create(json); }
    }

    private static string Time(DateTime t) => DateTime.SpecifyKind(t, DateTimeKind.Utc).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    /// <summary>History as Durable Functions shows it: scheduling rows are folded into their completions (FunctionName, ScheduledTime).</summary>
    private static JsonArray HistoryJson(IReadOnlyList<HistoryEvent> events, bool showOutput)
    {
        var scheduled = events.Where(e => e.EventId >= 0).GroupBy(e => e.EventId).ToDictionary(g => g.Key, g => g.First());
        var result = new JsonArray();
        foreach (var e in events)
        {
            if (e.EventType is EventType.OrchestratorStarted or EventType.TaskScheduled or EventType.SubOrchestrationInstanceCreated) continue;
            var o = new JsonObject { ["EventType"] = e.EventType.ToString() };
            switch (e.EventType)
            {
                case EventType.ExecutionStarted:
                    o["FunctionName"] = e.Name;
                    break;
                case EventType.TaskCompleted or EventType.TaskFailed or EventType.SubOrchestrationInstanceCompleted or EventType.SubOrchestrationInstanceFailed:
                    if (scheduled.TryGetValue(e.TaskScheduledId, out var s))
                    {
                        o["FunctionName"] = s.Name;
                        o["ScheduledTime"] = Time(s.Timestamp);
                    }
                    if (showOutput && e.Result is not null) o["Result"] = Parse(e.Result);
                    if (e.FailureDetails is { } fd) o["Reason"] = fd.ErrorMessage;
                    break;
                case EventType.TimerCreated or EventType.TimerFired:
                    if (e.FireAt is { } fire) o["FireAt"] = Time(fire);
                    break;
                case EventType.EventRaised or EventType.EventSent:
                    o["Name"] = e.Name;
                    if (showOutput && e.Input is not null) o["Input"] = Parse(e.Input);
                    break;
                case EventType.ExecutionCompleted:
                    o["OrchestrationStatus"] = e.OrchestrationStatus;
                    if (showOutput && e.Result is not null) o["Result"] = Parse(e.Result);
                    if (e.FailureDetails is { } cf) o["Reason"] = cf.ErrorMessage;
                    break;
            }
            o["Timestamp"] = Time(e.Timestamp);
            result.Add(o);
        }
        return result;
    }

    private static async Task<IResult> ListAsync(HttpContext c, string? instanceIdPrefix, DateTime? createdTimeFrom, DateTime? createdTimeTo,
        string? runtimeStatus, bool? showInput, int? top)
    {
        List<OrchestrationRuntimeStatus>? statuses = null;
        if (!string.IsNullOrWhiteSpace(runtimeStatus))
        {
            statuses = new();
            foreach (var s in runtimeStatus.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                if (!Enum.TryParse<OrchestrationRuntimeStatus>(s, true, out var parsed)) return Error(400, $"Unknown runtimeStatus '{s}'.");
                statuses.Add(parsed);
            }
        }
        string? token = c.Request.Headers["x-ms-continuation-token"].FirstOrDefault();
        var query = new OrchestrationQuery
        {
            InstanceIdPrefix = instanceIdPrefix,
            CreatedFrom = createdTimeFrom is { } f ? new DateTimeOffset(DateTime.SpecifyKind(f.ToUniversalTime(), DateTimeKind.Utc)) : null,
            CreatedTo = createdTimeTo is { } t ? new DateTimeOffset(DateTime.SpecifyKind(t.ToUniversalTime(), DateTimeKind.Utc)) : null,
            Statuses = statuses,
            PageSize = top is > 0 ? top.Value : OrchestrationQuery.DefaultPageSize,
            FetchInputsAndOutputs = true,
            ContinuationToken = string.IsNullOrEmpty(token) ? null : token,
        };
        var pages = Client(c).GetAllInstancesAsync(query).AsPages(query.ContinuationToken, query.PageSize);
        await foreach (var page in pages.WithCancellation(c.RequestAborted))
        {
            // One page per request; the next one is asked for with the token.
            if (page.ContinuationToken is not null) c.Response.Headers["x-ms-continuation-token"] = page.ContinuationToken;
            var array = new JsonArray(page.Values.Select(m => (JsonNode)ToStatusJson(m, showInput != false, null)).ToArray());
            return new RawJsonResult(array.ToJsonString(), 200);
        }
        return new RawJsonResult("[]", 200);
    }

    private static async Task<IResult> PurgeOneAsync(HttpContext c, string instanceId)
    {
        var r = await Client(c).PurgeInstanceAsync(instanceId, c.RequestAborted);
        return r.PurgedInstanceCount == 0 ? Error(404, $"No finished instance with ID '{instanceId}' found.") : Results.Json(new { instancesDeleted = r.PurgedInstanceCount });
    }

    private static async Task<IResult> PurgeManyAsync(HttpContext c, DateTime? createdTimeFrom, DateTime? createdTimeTo, string? runtimeStatus)
    {
        if (createdTimeFrom is null) return Error(400, "The createdTimeFrom parameter is required.");
        List<OrchestrationRuntimeStatus>? statuses = null;
        if (!string.IsNullOrWhiteSpace(runtimeStatus))
        {
            statuses = new();
            foreach (var s in runtimeStatus.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                if (!Enum.TryParse<OrchestrationRuntimeStatus>(s, true, out var parsed)) return Error(400, $"Unknown runtimeStatus '{s}'.");
                statuses.Add(parsed);
            }
        }
        var r = await Client(c).PurgeAllInstancesAsync(new PurgeInstancesFilter(
            new DateTimeOffset(DateTime.SpecifyKind(createdTimeFrom.Value.ToUniversalTime(), DateTimeKind.Utc)),
            createdTimeTo is { } t ? new DateTimeOffset(DateTime.SpecifyKind(t.ToUniversalTime(), DateTimeKind.Utc)) : null, statuses), c.RequestAborted);
        return r.PurgedInstanceCount == 0 ? Error(404, "No instances matched.") : Results.Json(new { instancesDeleted = r.PurgedInstanceCount });
    }

    private static async Task<IResult> RaiseEventAsync(HttpContext c, string instanceId, string eventName)
    {
        var (ok, json) = await ReadJsonBodyAsync(c.Request);
        if (!ok) return Error(400, "Only application/json request content is supported.");
        return await ControlAsync(c, instanceId, (cl, id) => cl.RaiseEventAsync(id, eventName, json is null ? null : new RawJson(json)));
    }

    private static async Task<IResult> ControlAsync(HttpContext c, string instanceId, Func<DurableTaskClient, string, Task> action)
    {
        var client = Client(c);
        var m = await client.GetInstanceAsync(instanceId, false, c.RequestAborted);
        if (m is null) return Error(404, $"No instance with ID '{instanceId}' found.");
        if (m.IsCompleted) return Error(410, $"The instance '{instanceId}' is already {m.RuntimeStatus}.");
        await action(client, instanceId);
        return Results.StatusCode(202);
    }

    private static async Task<IResult> RestartAsync(HttpContext c, string instanceId, bool? restartWithNewInstanceId)
    {
        var client = Client(c);
        var m = await client.GetInstanceAsync(instanceId, false, c.RequestAborted);
        if (m is null) return Error(404, $"No instance with ID '{instanceId}' found.");
        try
        {
            string id = await client.RestartAsync(instanceId, restartWithNewInstanceId == true, c.RequestAborted);
            return client.CreateCheckStatusResponse(c.Request, id);
        }
        catch (OrchestrationAlreadyExistsException ex)
        {
            return Error(409, ex.Message);
        }
    }
}
