using DurableTask.Core;
using DurableTask.Core.Exceptions;
using Fleet.Durable.Messaging;
using Fleet.Durable.Partitioning;

namespace Fleet.Durable.Tracking.InMemory;

/// <summary>The task hub in process memory: same queue, history and instance semantics as Azure Storage (visibility timeouts,
/// dequeue counts, ETag-guarded checkpoints), for fast tests. Messages are stored serialized so nothing is shared by reference.</summary>
internal sealed class InMemoryDurableStore : IDurableStore
{
    private sealed class Message
    {
        public required string Id { get; init; }
        public required string Json { get; init; }
        public DateTime VisibleAt { get; set; }
        public int DequeueCount { get; set; }
        public long PopReceipt { get; set; }
    }

    private sealed class History
    {
        public List<string> Events { get; } = new();
        public List<string?> MessageIds { get; } = new();
        public string ExecutionId { get; set; } = "";
        public long Version { get; set; }
    }

    private readonly List<Message>[] _queues;
    private readonly Dictionary<string, History> _history = new();
    private readonly SortedDictionary<string, InstanceRecord> _instances = new(StringComparer.Ordinal);
    private readonly object _lock = new();
    private long _receipts;

    public InMemoryDurableStore(int partitionCount)
    {
        PartitionCount = partitionCount;
        _queues = Enumerable.Range(0, partitionCount + 1).Select(_ => new List<Message>()).ToArray();
        Wakeups = new QueueWakeups(partitionCount + 1);
    }

    public int PartitionCount { get; }
    public QueueWakeups Wakeups { get; }

    public Task InitializeAsync(CancellationToken ct) => Task.CompletedTask;

    public Task DeleteAllAsync(CancellationToken ct)
    {
        lock (_lock)
        {
            foreach (var q in _queues) q.Clear();
            _history.Clear();
            _instances.Clear();
        }
        return Task.CompletedTask;
    }

    public Task<QueueItem?> SendAsync(IReadOnlyList<QueuedMessage> messages, bool toWorkItems, TimeSpan? delay, TimeSpan? claimFor, CancellationToken ct)
    {
        int q = toWorkItems ? PartitionCount : StableHash.PartitionOf(messages[0].InstanceId, PartitionCount);
        var m = new Message { Id = Guid.NewGuid().ToString("N"), Json = MessageCodec.Encode(messages), VisibleAt = DateTime.UtcNow + (claimFor ?? delay ?? TimeSpan.Zero) };
        lock (_lock)
        {
            _queues[q].Add(m);
            if (claimFor is not null)
            {
                // The claimed run is the message's first delivery, as Azure Storage counts it here too.
                m.PopReceipt = ++_receipts;
                m.DequeueCount = 1;
            }
        }
        if (claimFor is null)
        {
            Wakeups.Signal(toWorkItems ? -1 : q, delay);
            return Task.FromResult<QueueItem?>(null);
        }
        return Task.FromResult<QueueItem?>(new QueueItem
        {
            Messages = MessageCodec.Decode(m.Json), DequeueCount = 1, Partition = toWorkItems ? -1 : q, Receipt = (m, m.PopReceipt),
        });
    }

    public Task<IReadOnlyList<QueueItem>> ReceiveAsync(int partition, int max, TimeSpan visibility, CancellationToken ct)
    {
        var now = DateTime.UtcNow;
        var result = new List<QueueItem>();
        lock (_lock)
        {
            foreach (var m in _queues[partition < 0 ? PartitionCount : partition])
            {
                if (m.VisibleAt > now) continue;
                m.VisibleAt = now + visibility;
                m.DequeueCount++;
                m.PopReceipt = ++_receipts;
                result.Add(new QueueItem { Messages = MessageCodec.Decode(m.Json), DequeueCount = m.DequeueCount, Partition = partition, Receipt = (m, m.PopReceipt) });
                if (result.Count == max) break;
            }
        }
        return Task.FromResult<IReadOnlyList<QueueItem>>(result);
    }

    public Task DeleteAsync(QueueItem item, CancellationToken ct)
    {
        var (m, receipt) = ((Message, long))item.Receipt!;
        lock (_lock)
            if (m.PopReceipt == receipt) _queues[item.Partition < 0 ? PartitionCount : item.Partition].Remove(m);
        return Task.CompletedTask;
    }

    public Task AbandonAsync(QueueItem item, TimeSpan delay, CancellationToken ct)
    {
        var (m, receipt) = ((Message, long))item.Receipt!;
        lock (_lock)
            if (m.PopReceipt == receipt) m.VisibleAt = DateTime.UtcNow + delay;
        Wakeups.Signal(item.Partition, delay);
        return Task.CompletedTask;
    }

    public Task<HistorySnapshot> LoadHistoryAsync(string instanceId, CancellationToken ct)
    {
        lock (_lock)
        {
            if (!_history.TryGetValue(instanceId, out var h)) return Task.FromResult(new HistorySnapshot());
            return Task.FromResult(new HistorySnapshot
            {
                Events = h.Events.Select(MessageCodec.DecodeEvent).ToList(),
                MessageIds = h.MessageIds.OfType<string>().ToHashSet(),
                ExecutionId = h.ExecutionId,
                ETag = h.Version.ToString(),
            });
        }
    }

    public Task<string?> CommitHistoryAsync(string instanceId, string executionId, bool reset, int existingCount,
        IReadOnlyList<HistoryRow> newEvents, string? etag, CancellationToken ct)
    {
        lock (_lock)
        {
            _history.TryGetValue(instanceId, out var h);
            if ((h is null) != (etag is null) || h is not null && h.Version.ToString() != etag) return Task.FromResult<string?>(null);
            if (h is null) _history[instanceId] = h = new History();
            if (reset)
            {
                h.Events.Clear();
                h.MessageIds.Clear();
                h.ExecutionId = executionId;
            }
            else if (h.Events.Count != existingCount)
            {
                return Task.FromResult<string?>(null);
            }
            h.ExecutionId = executionId;
            h.Events.AddRange(newEvents.Select(e => MessageCodec.EncodeEvent(e.Event)));
            h.MessageIds.AddRange(newEvents.Select(e => e.MessageId));
            h.Version = ++_receipts;
            return Task.FromResult<string?>(h.Version.ToString());
        }
    }

    public Task<InstanceRecord?> GetInstanceAsync(string instanceId, bool withPayloads, CancellationToken ct)
    {
        lock (_lock)
            return Task.FromResult(_instances.TryGetValue(instanceId, out var r) ? Shape(r, withPayloads) : null);
    }

    public Task UpsertInstanceAsync(InstanceRecord record, CancellationToken ct)
    {
        lock (_lock)
        {
            var copy = record.Clone();
            if (!record.CustomStatusKnown && _instances.TryGetValue(record.InstanceId, out var old)) copy.CustomStatus = old.CustomStatus;
            copy.CustomStatusKnown = true;
            _instances[record.InstanceId] = copy;
        }
        return Task.CompletedTask;
    }

    public Task<bool> CreateInstanceAsync(InstanceRecord record, IReadOnlyCollection<OrchestrationStatus> dedupeStatuses, CancellationToken ct)
    {
        lock (_lock)
        {
            bool existed = _instances.TryGetValue(record.InstanceId, out var old);
            if (existed && dedupeStatuses.Contains(old!.RuntimeStatus))
                throw new OrchestrationAlreadyExistsException($"An orchestration with instance id '{record.InstanceId}' already exists and is {old.RuntimeStatus}.");
            _instances[record.InstanceId] = record.Clone();
            return Task.FromResult(!existed);
        }
    }

    public Task<(IReadOnlyList<InstanceRecord> Page, string? ContinuationToken)> QueryInstancesAsync(InstanceFilter filter, int pageSize,
        string? continuationToken, bool withPayloads, CancellationToken ct)
    {
        lock (_lock)
        {
            // The token is the last instance id returned: ids are the sort order, as the table's partition keys are.
            var matches = _instances.Values
                .Where(r => continuationToken is null || string.CompareOrdinal(r.InstanceId, continuationToken) > 0)
                .Where(filter.Matches).Take(pageSize + 1).Select(r => Shape(r, withPayloads)).ToList();
            string? next = null;
            if (matches.Count > pageSize)
            {
                matches.RemoveAt(pageSize);
                next = matches[^1].InstanceId;
            }
            return Task.FromResult<(IReadOnlyList<InstanceRecord>, string?)>((matches, next));
        }
    }

    /// <summary>Parked messages: instance id, message JSON, reason.</summary>
    public List<(string InstanceId, string Message, string Reason)> Poison { get; } = new();

    public Task WritePoisonAsync(QueueItem item, string reason, CancellationToken ct)
    {
        lock (_lock) foreach (var message in item.Messages) Poison.Add((message.InstanceId, MessageCodec.Encode([message]), reason));
        return Task.CompletedTask;
    }

    public Task<bool> DeleteInstanceAsync(string instanceId, CancellationToken ct)
    {
        lock (_lock)
        {
            bool existed = _instances.Remove(instanceId);
            existed |= _history.Remove(instanceId);
            return Task.FromResult(existed);
        }
    }

    private static InstanceRecord Shape(InstanceRecord r, bool withPayloads)
    {
        var copy = r.Clone();
        if (!withPayloads)
        {
            copy.Input = null;
            copy.Output = null;
            copy.CustomStatus = null;
        }
        return copy;
    }
}
