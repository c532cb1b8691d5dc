using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using DurableTask.Core.History;

namespace Fleet.Durable.Http;

/// <summary>History as the Durable Functions status API shows it: scheduling rows are folded into their completions
/// (<c>FunctionName</c>, <c>ScheduledTime</c>).</summary>
internal static class DurableHistoryJson
{
    public static JsonArray Of(IList<HistoryEvent> events, bool showOutput)
    {
        var scheduled = new Dictionary<int, HistoryEvent>();
        foreach (var e in events)
            if (e is TaskScheduledEvent or SubOrchestrationInstanceCreatedEvent) scheduled.TryAdd(e.EventId, e);
        var result = new JsonArray();
        foreach (var e in events)
        {
            if (e is OrchestratorStartedEvent or OrchestratorCompletedEvent or TaskScheduledEvent or SubOrchestrationInstanceCreatedEvent) continue;
            var o = new JsonObject { ["EventType"] = e.EventType.ToString() };
            switch (e)
            {
                case ExecutionStartedEvent s:
                    o["FunctionName"] = s.Name;
                    break;
                case TaskCompletedEvent or TaskFailedEvent or SubOrchestrationInstanceCompletedEvent or SubOrchestrationInstanceFailedEvent:
                    int id = e switch
                    {
                        TaskCompletedEvent c => c.TaskScheduledId,
                        TaskFailedEvent f => f.TaskScheduledId,
                        SubOrchestrationInstanceCompletedEvent c => c.TaskScheduledId,
                        _ => ((SubOrchestrationInstanceFailedEvent)e).TaskScheduledId,
                    };
                    if (scheduled.TryGetValue(id, out var s2))
                    {
                        o["FunctionName"] = s2 is TaskScheduledEvent ts ? ts.Name : ((SubOrchestrationInstanceCreatedEvent)s2).Name;
                        o["ScheduledTime"] = Time(s2.Timestamp);
                    }
                    string? output = e switch { TaskCompletedEvent c => c.Result, SubOrchestrationInstanceCompletedEvent c => c.Result, _ => null };
                    if (showOutput && output is not null) o["Result"] = Parse(output);
                    string? reason = e switch
                    {
                        TaskFailedEvent f => f.FailureDetails?.ErrorMessage ?? f.Reason,
                        SubOrchestrationInstanceFailedEvent f => f.FailureDetails?.ErrorMessage ?? f.Reason,
                        _ => null,
                    };
                    if (reason is not null) o["Reason"] = reason;
                    break;
                case TimerCreatedEvent t:
                    o["FireAt"] = Time(t.FireAt);
                    break;
                case TimerFiredEvent f:
                    o["FireAt"] = Time(f.FireAt);
                    break;
                case EventRaisedEvent r:
                    o["Name"] = r.Name;
                    if (showOutput && r.Input is not null) o["Input"] = Parse(r.Input);
                    break;
                case EventSentEvent s3:
                    o["Name"] = s3.Name;
                    if (showOutput && s3.Input is not null) o["Input"] = Parse(s3.Input);
                    break;
                case ExecutionCompletedEvent done:
                    o["OrchestrationStatus"] = done.OrchestrationStatus.ToString();
                    if (showOutput && done.Result is not null) o["Result"] = Parse(done.Result);
                    if (done.FailureDetails is { } cf) o["Reason"] = cf.ErrorMessage;
                    break;
            }
            o["Timestamp"] = Time(e.Timestamp);
            result.Add(o);
        }
        return result;
    }

    public static JsonNode? Parse(string? json)
    {
        if (string.IsNullOrEmpty(json)) return null;
        try { return JsonNode.Parse(json); } catch (JsonException) { return JsonValue.Create(json); }
    }

    public static string Time(DateTime t) => DateTime.SpecifyKind(t, DateTimeKind.Utc).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
}
