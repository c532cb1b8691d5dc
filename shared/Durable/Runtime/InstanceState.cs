using Fleet.Durable.Client;

namespace Fleet.Durable.Runtime;

/// <summary>An instance's history with indexes the dispatcher needs to drop duplicates and detect out-of-order completions.</summary>
internal sealed class InstanceState
{
    public InstanceState(string instanceId, List<HistoryEvent> history, string? executionId, string? etag)
    {
        InstanceId = instanceId;
        History = history;
        ExecutionId = executionId;
        ETag = etag;
        foreach (var e in history) Index(e);
    }

    public string InstanceId { get; }
    public List<HistoryEvent> History { get; }
    public string? ExecutionId { get; set; }
    public string? ETag { get; set; }
    public HashSet<string> MessageIds { get; } = new();
    public HashSet<int> Scheduled { get; } = new();
    public HashSet<int> Completed { get; } = new();
    public HistoryEvent? Started { get; private set; }
    public HistoryEvent? Finished { get; private set; }
    public bool Suspended { get; private set; }

    /// <summary>The last custom status written for this execution, when this process knows it.</summary>
    public string? CustomStatus { get; set; }
    public bool CustomStatusKnown { get; set; }

    /// <summary>What this process last wrote to the Instances row for this state, and when; null when it has not.</summary>
    public ((OrchestrationRuntimeStatus Status, string? CustomStatus, string? ExecutionId) Row, DateTime At)? RowWritten { get; set; }

    public OrchestrationRuntimeStatus Status => Finished is { } f
        ? Enum.Parse<OrchestrationRuntimeStatus>(f.OrchestrationStatus ?? "Completed")
        : Started is null ? OrchestrationRuntimeStatus.Pending : Suspended ? OrchestrationRuntimeStatus.Suspended : OrchestrationRuntimeStatus.Running;

    public bool IsFinal => Finished is not null;

    public void Append(IEnumerable<HistoryEvent> events)
    {
        foreach (var e in events)
        {
            History.Add(e);
            Index(e);
        }
    }

    public void Index(HistoryEvent e)
    {
        if (e.MessageId is not null) MessageIds.Add(e.MessageId);
        switch (e.EventType)
        {
            case EventType.ExecutionStarted: Started = e; break;
            case EventType.ExecutionCompleted: Finished = e; break;
            case EventType.ExecutionSuspended: Suspended = true; break;
            case EventType.ExecutionResumed: Suspended = false; break;
            case EventType.TaskScheduled or EventType.TimerCreated or EventType.SubOrchestrationInstanceCreated: Scheduled.Add(e.EventId); break;
            case EventType.TaskCompleted or EventType.TaskFailed or EventType.TimerFired
                or EventType.SubOrchestrationInstanceCompleted or EventType.SubOrchestrationInstanceFailed: Completed.Add(e.TaskScheduledId); break;
        }
    }

    public static bool IsCompletion(EventType t) => t is EventType.TaskCompleted or EventType.TaskFailed or EventType.TimerFired
        or EventType.SubOrchestrationInstanceCompleted or EventType.SubOrchestrationInstanceFailed;
}
