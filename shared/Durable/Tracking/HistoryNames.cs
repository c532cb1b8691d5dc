using DurableTask.Core.History;

namespace Fleet.Durable.Tracking;

/// <summary>The name a history event carries (task, sub-orchestration, event or orchestration name), for the History table's
/// <c>Name</c> column and the HTTP API's <c>FunctionName</c>.</summary>
internal static class HistoryNames
{
    public static string? Of(HistoryEvent e) => e switch
    {
        ExecutionStartedEvent s => s.Name,
        TaskScheduledEvent t => t.Name,
        SubOrchestrationInstanceCreatedEvent c => c.Name,
        EventRaisedEvent r => r.Name,
        EventSentEvent s => s.Name,
        _ => null,
    };
}
