using DurableTask.Core;
using DurableTask.Core.History;

namespace Fleet.Durable.Messaging;

/// <summary>One DurableTask.Core <see cref="TaskMessage"/> as it travels in a queue message, with an id of its own so that a
/// redelivered copy is recognised as a duplicate once its event is in history.</summary>
internal sealed class QueuedMessage
{
    public string MessageId { get; set; } = Guid.NewGuid().ToString("N");
    public required TaskMessage Message { get; init; }

    public string InstanceId => Message.OrchestrationInstance.InstanceId;
    public string? ExecutionId => Message.OrchestrationInstance.ExecutionId;
    public HistoryEvent Event => Message.Event;

    public static QueuedMessage Of(TaskMessage message) => new() { Message = message };
}

/// <summary>A queue message taken from a queue (or sent claimed), with what is needed to delete or abandon it. It carries one
/// or more task messages, all for the same instance.</summary>
internal sealed class QueueItem
{
    public required IReadOnlyList<QueuedMessage> Messages { get; init; }
    public string InstanceId => Messages[0].InstanceId;

    /// <summary>Deliveries so far, this one included; a claimed send counts as the first.</summary>
    public int DequeueCount { get; init; }

    /// <summary>Control-queue partition, or -1 for the work-item queue.</summary>
    public int Partition { get; init; }

    /// <summary>Backend handle (message id and pop receipt).</summary>
    public object? Receipt { get; set; }
}
