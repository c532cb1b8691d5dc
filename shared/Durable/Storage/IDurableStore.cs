using Fleet.Durable.Client;
using Fleet.Durable.Runtime;

namespace Fleet.Durable.Storage;

/// <summary>A queue message taken from a queue (or sent claimed), with what is needed to delete or abandon it. It carries one
/// or more task messages, all for the same instance.</summary>
internal sealed class QueueItem
{
    public required IReadOnlyList<TaskMessage> Messages { get; init; }
    public string InstanceId => Messages[0].InstanceId;

    /// <summary>Deliveries so far, this one included; a claimed send counts as the first.</summary>
    public int DequeueCount { get; init; }

    /// <summary>Control-queue partition, or -1 for the work-item queue.</summary>
    public int Partition { get; init; }

    /// <summary>Backend handle (message id and pop receipt).</summary>
    public object? Receipt { get; set; }
}

/// <summary>An instance's current history: the events of its current execution and the sentinel's ETag.</summary>
internal sealed class HistorySnapshot
{
    public List<HistoryEvent> Events { get; init; } = new();
    public string? ExecutionId { get; init; }

    /// <summary>The sentinel row's ETag; null when the instance has no history yet.</summary>
    public string? ETag { get; init; }
}

/// <summary>One row of the Instances table.</summary>
internal sealed class InstanceRecord
{
    public required string InstanceId { get; init; }
    public string Name { get; set; } = "";
    public string? ExecutionId { get; set; }
    public OrchestrationRuntimeStatus RuntimeStatus { get; set; }
    public DateTime CreatedTime { get; set; }
    public DateTime LastUpdatedTime { get; set; }
    public DateTime? CompletedTime { get; set; }
    public DateTime? ScheduledStartTime { get; set; }
    public string? Input { get; set; }
    public string? Output { get; set; }
    public string? CustomStatus { get; set; }

    /// <summary>When false, an upsert leaves the stored custom status as it is.</summary>
    public bool CustomStatusKnown { get; set; } = true;
    public TaskFailureDetails? FailureDetails { get; set; }

    public bool IsFinal => RuntimeStatus is OrchestrationRuntimeStatus.Completed or OrchestrationRuntimeStatus.Failed
        or OrchestrationRuntimeStatus.Terminated or OrchestrationRuntimeStatus.Canceled;

    public InstanceRecord Clone() => (InstanceRecord)MemberwiseClone();
}

/// <summary>Which instances a query or purge selects.</summary>
internal sealed record InstanceFilter(DateTime? CreatedFrom, DateTime? CreatedTo, IReadOnlySet<OrchestrationRuntimeStatus>? Statuses, string? Prefix)
{
    public bool Matches(InstanceRecord r) =>
        (CreatedFrom is null || r.CreatedTime >= CreatedFrom) && (CreatedTo is null || r.CreatedTime <= CreatedTo)
        && (Statuses is null || Statuses.Count == 0 || Statuses.Contains(r.RuntimeStatus))
        && (string.IsNullOrEmpty(Prefix) || r.InstanceId.StartsWith(Prefix, StringComparison.Ordinal));
}

/// <summary>The storage a task hub lives in: control queues, the work-item queue, the History and Instances tables.
/// Both backends (Azure Storage and in-memory) implement it with the same semantics, so the runtime above is shared.</summary>
internal interface IDurableStore
{
    int PartitionCount { get; }

    /// <summary>In-process wake-ups: signaled whenever this process sends to a queue.</summary>
    QueueWakeups Wakeups { get; }

    Task InitializeAsync(CancellationToken ct);

    /// <summary>Sends <paramref name="messages"/> (all for one instance) as one queue message to the instance's control queue, or to
    /// the work-item queue; a delay hides it until then. With <paramref name="claimFor"/>, the message is sent hidden for that long
    /// and returned as an item this process holds, as if received: it processes it at once without a receive, and if it dies the
    /// message becomes visible to every host when the claim runs out. Returns null when not claimed.</summary>
    Task<QueueItem?> SendAsync(IReadOnlyList<TaskMessage> messages, bool toWorkItems, TimeSpan? delay, TimeSpan? claimFor, CancellationToken ct);

    /// <summary>Receives up to <paramref name="max"/> visible messages from a partition (-1: work items), hiding them for <paramref name="visibility"/>.</summary>
    Task<IReadOnlyList<QueueItem>> ReceiveAsync(int partition, int max, TimeSpan visibility, CancellationToken ct);

    Task DeleteAsync(QueueItem item, CancellationToken ct);

    /// <summary>Makes the message visible again after <paramref name="delay"/>.</summary>
    Task AbandonAsync(QueueItem item, TimeSpan delay, CancellationToken ct);

    Task<HistorySnapshot> LoadHistoryAsync(string instanceId, CancellationToken ct);

    /// <summary>Appends <paramref name="newEvents"/> after <paramref name="existingCount"/> events, guarded by the sentinel's ETag;
    /// with <paramref name="reset"/>, starts execution <paramref name="executionId"/> with an empty history first.
    /// Returns the new ETag, or null when another writer changed the sentinel (the caller abandons its work).</summary>
    Task<string?> CommitHistoryAsync(string instanceId, string executionId, bool reset, int existingCount,
        IReadOnlyList<HistoryEvent> newEvents, string? etag, CancellationToken ct);

    Task<InstanceRecord?> GetInstanceAsync(string instanceId, bool withPayloads, CancellationToken ct);

    Task UpsertInstanceAsync(InstanceRecord record, CancellationToken ct);

    /// <summary>Creates the row for a new instance, replacing a finished one; throws <see cref="OrchestrationAlreadyExistsException"/> when one is still active.</summary>
    Task CreateInstanceAsync(InstanceRecord record, CancellationToken ct);

    Task<(IReadOnlyList<InstanceRecord> Page, string? ContinuationToken)> QueryInstancesAsync(InstanceFilter filter, int pageSize,
        string? continuationToken, bool withPayloads, CancellationToken ct);

    /// <summary>Parks a message that keeps failing in the poison store (<c>{hub}Poison</c>) with the reason.</summary>
    Task WritePoisonAsync(QueueItem item, string reason, CancellationToken ct);

    /// <summary>Deletes an instance's history and Instances row; false when it did not exist.</summary>
    Task<bool> DeleteInstanceAsync(string instanceId, CancellationToken ct);
}

internal static class DurableStoreExtensions
{
    /// <summary>Sends one message, unclaimed.</summary>
    public static Task SendAsync(this IDurableStore store, TaskMessage message, bool toWorkItems, TimeSpan? delay, CancellationToken ct)
        => store.SendAsync([message], toWorkItems, delay, null, ct);
}
