using DurableTask.Core;
using DurableTask.Core.History;

namespace Fleet.Durable.Provider;

/// <summary>An instance's history as this host last loaded or committed it, with the indexes the message filter needs. Kept
/// between episodes (like extended sessions) and dropped on a checkpoint conflict, a purge or a lost partition.</summary>
internal sealed class CachedHistory
{
    public CachedHistory(string instanceId, List<HistoryEvent> events, HashSet<string> messageIds, string? executionId, string? etag)
    {
        InstanceId = instanceId;
        Events = events;
        MessageIds = messageIds;
        ExecutionId = executionId;
        ETag = etag;
        foreach (var e in events) Index(e);
    }

    public string InstanceId { get; }
    public List<HistoryEvent> Events { get; }
    public HashSet<string> MessageIds { get; }
    public string? ExecutionId { get; set; }
    public string? ETag { get; set; }
    public HashSet<int> Scheduled { get; } = new();
    public HashSet<int> Completed { get; } = new();
    public ExecutionStartedEvent? Started { get; private set; }
    public ExecutionCompletedEvent? Finished { get; private set; }

    /// <summary>What this host last wrote to the Instances row for this state, and when; null when it has not.</summary>
    public ((OrchestrationStatus Status, string? CustomStatus, string? ExecutionId) Row, DateTime At)? RowWritten { get; set; }

    public bool IsFinal => Finished is not null;

    public static CachedHistory Empty(string instanceId, string? executionId, string? etag) => new(instanceId, new(), new(), executionId, etag);

    public void Append(IEnumerable<HistoryEvent> events)
    {
        foreach (var e in events)
        {
            Events.Add(e);
            Index(e);
        }
    }

    private void Index(HistoryEvent e)
    {
        switch (e)
        {
            case ExecutionStartedEvent s: Started = s; break;
            case ExecutionCompletedEvent c: Finished = c; break;
            case TaskScheduledEvent or TimerCreatedEvent or SubOrchestrationInstanceCreatedEvent: Scheduled.Add(e.EventId); break;
        }
        if (CompletionOf(e) is { } id) Completed.Add(id);
    }

    /// <summary>The id of the scheduling event a completion answers; null for events that are not completions.</summary>
    public static int? CompletionOf(HistoryEvent e) => e switch
    {
        TaskCompletedEvent c => c.TaskScheduledId,
        TaskFailedEvent f => f.TaskScheduledId,
        TimerFiredEvent t => t.TimerId,
        SubOrchestrationInstanceCompletedEvent c => c.TaskScheduledId,
        SubOrchestrationInstanceFailedEvent f => f.TaskScheduledId,
        _ => null,
    };
}
