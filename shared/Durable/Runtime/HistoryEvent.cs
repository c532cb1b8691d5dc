using System.Text.Json;
using System.Text.Json.Serialization;

namespace Fleet.Durable.Runtime;

/// <summary>Kinds of history events (DurableTask.Core's EventType names, which the HTTP API shows).</summary>
internal enum EventType
{
    ExecutionStarted, ExecutionCompleted, ExecutionTerminated, ExecutionSuspended, ExecutionResumed, OrchestratorStarted,
    TaskScheduled, TaskCompleted, TaskFailed, SubOrchestrationInstanceCreated, SubOrchestrationInstanceCompleted,
    SubOrchestrationInstanceFailed, TimerCreated, TimerFired, EventRaised, EventSent, ContinueAsNew,
}

/// <summary>One history event; one flat shape for all kinds keeps storage and queue serialization simple.</summary>
internal sealed class HistoryEvent
{
    public EventType EventType { get; set; }

    /// <summary>Sequence id of a scheduling action (TaskScheduled, TimerCreated, ...); -1 otherwise.</summary>
    public int EventId { get; set; } = -1;

    /// <summary>For completions: the EventId of the action they complete.</summary>
    public int TaskScheduledId { get; set; } = -1;

    /// <summary>Id of the queue message that carried the event, for dropping duplicates.</summary>
    public string? MessageId { get; set; }

    public DateTime Timestamp { get; set; }
    public string? Name { get; set; }
    public string? Input { get; set; }
    public string? Result { get; set; }
    public TaskFailureDetails? FailureDetails { get; set; }
    public DateTime? FireAt { get; set; }
    public string? InstanceId { get; set; }
    public string? ExecutionId { get; set; }
    public string? ParentInstanceId { get; set; }
    public string? ParentName { get; set; }
    public string? ParentExecutionId { get; set; }
    public int ParentTaskScheduledId { get; set; } = -1;
    public DateTime? ScheduledStartTime { get; set; }
    public DateTime? CreatedTime { get; set; }
    public string? OrchestrationStatus { get; set; }

    public HistoryEvent Clone() => (HistoryEvent)MemberwiseClone();

    internal static readonly JsonSerializerOptions Json = new()
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new JsonStringEnumConverter() },
    };

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    public static HistoryEvent FromJson(string json) => JsonSerializer.Deserialize<HistoryEvent>(json, Json)!;
}

/// <summary>One event for one instance, carried by a control or work-item queue message (a queue message may carry several
/// for the same instance: see <see cref="TaskMessageBatch"/>).</summary>
internal sealed class TaskMessage
{
    public string MessageId { get; set; } = Guid.NewGuid().ToString("N");
    public string InstanceId { get; set; } = "";

    /// <summary>The execution the message belongs to; completions for an older execution are dropped.</summary>
    public string? ExecutionId { get; set; }
    public HistoryEvent Event { get; set; } = new();

    public string ToJson() => JsonSerializer.Serialize(this, HistoryEvent.Json);

    public static TaskMessage FromJson(string json) => JsonSerializer.Deserialize<TaskMessage>(json, HistoryEvent.Json)!;
}

/// <summary>The body of one queue message: a single <see cref="TaskMessage"/> as a JSON object, or several for the same
/// instance as a JSON array, so that a fan-out's work items and their results move in a few queue messages, not thousands.</summary>
internal static class TaskMessageBatch
{
    public static string Encode(IReadOnlyList<TaskMessage> messages) => messages.Count == 1
        ? messages[0].ToJson()
        : JsonSerializer.Serialize(messages, HistoryEvent.Json);

    public static IReadOnlyList<TaskMessage> Decode(string text) => text.TrimStart().StartsWith('[')
        ? JsonSerializer.Deserialize<List<TaskMessage>>(text, HistoryEvent.Json)!
        : [TaskMessage.FromJson(text)];
}
