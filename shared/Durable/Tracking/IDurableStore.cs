using DurableTask.Core;
using DurableTask.Core.History;
using Fleet.Durable.Messaging;

namespace Fleet.Durable.Tracking;

/// <summary>An instance's current history: the events of its current execution, the ids of the messages they came from, and
/// the sentinel's ETag.</summary>
internal sealed class HistorySnapshot
{
    public List<HistoryEvent> Events { get; init; } = new();

    /// <summary>Ids of the queue messages whose events are in <see cref="Events"/>, for dropping redelivered copies.</summary>
    public HashSet<string> MessageIds { get; init; } = new();
    public string? ExecutionId { get; init; }

    /// <summary>The sentinel row's ETag; null when the instance has no history yet.</summary>
    public string? ETag { get; init; }
}

/// <summary>One history event to append, with the id of the message it came from (null for events the episode made).</summary>
internal readonly record struct HistoryRow(HistoryEvent Event, string? MessageId);

/// <summary>Which instances a query or purge selects.</summary>
internal sealed record InstanceFilter(DateTime? CreatedFrom, DateTime? CreatedTo, IReadOnlySet<OrchestrationStatus>? Statuses, string? Prefix)
{
    public bool Matches(InstanceRecord r) =>
        (CreatedFrom is null || r.CreatedTime >= CreatedFrom) && (CreatedTo is null || r.CreatedTime <= CreatedTo)
        && (Statuses is null || Statuses.Count == 0 || Statuses.Contains(r.RuntimeStatus))
        && (string.IsNullOrEmpty(Prefix) || r.InstanceId.StartsWith(Prefix, StringComparison.Ordinal));
}

/// <summary>The storage a task hub lives in: control queues, the work-item queue, the History and Instances tables.
/// Both backends (Azure Storage and in-memory) implement it with the same semantics, so the provider above is shared.</summary>
internal interface IDurableStore
{
    int PartitionCount { get; }

    /// <summary>In-process wake-ups: signaled whenever this process sends to a queue.</summary>
    QueueWakeups Wakeups { get; }

    Task InitializeAsync(CancellationToken ct);

    /// <summary>Deletes every table, queue and container of the task hub.</summary>
    Task DeleteAllAsync(CancellationToken ct);

    /// <summary>Sends <paramref name="messages"/> (all for one instance) as one queue message to the instance's control queue, or to
    /// the work-item queue; a delay hides it until then. With <paramref name="claimFor"/>, the message is sent hidden for that long
    /// and returned as an item this process holds, as if received: it processes it at once without a receive, and if it dies the
    /// message becomes visible to every host when the claim runs out. Returns null when not claimed.</summary>
    Task<QueueItem?> SendAsync(IReadOnlyList<QueuedMessage> messages, bool toWorkItems, TimeSpan? delay, TimeSpan? claimFor, CancellationToken ct);

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
        IReadOnlyList<HistoryRow> newEvents, string? etag, CancellationToken ct);

    Task<InstanceRecord?> GetInstanceAsync(string instanceId, bool withPayloads, CancellationToken ct);

    Task UpsertInstanceAsync(InstanceRecord record, CancellationToken ct);

    /// <summary>Creates the row for a new instance, replacing one whose status is not in <paramref name="dedupeStatuses"/>; throws
    /// <see cref="DurableTask.Core.Exceptions.OrchestrationAlreadyExistsException"/> otherwise. Returns true when no row existed.</summary>
    Task<bool> CreateInstanceAsync(InstanceRecord record, IReadOnlyCollection<OrchestrationStatus> dedupeStatuses, CancellationToken ct);

    Task<(IReadOnlyList<InstanceRecord> Page, string? ContinuationToken)> QueryInstancesAsync(InstanceFilter filter, int pageSize,
        string? continuationToken, bool withPayloads, CancellationToken ct);

    /// <summary>Parks a message that keeps failing in the poison store (<c>{hub}Poison</c>) with the reason.</summary>
    Task WritePoisonAsync(QueueItem item, string reason, CancellationToken ct);

    /// <summary>Deletes an instance's history and Instances row; false when it did not exist.</summary>
    Task<bool> DeleteInstanceAsync(string instanceId, CancellationToken ct);
}
