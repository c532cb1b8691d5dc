using System.Text;
using Azure;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Azure.Storage.Queues;
using Azure.Storage.Queues.Models;
using DurableTask.Core;
using DurableTask.Core.Exceptions;
using DurableTask.Core.History;
using Fleet.Durable.Messaging;
using Fleet.Durable.Partitioning;
using QueueItem = Fleet.Durable.Messaging.QueueItem;
using Microsoft.Extensions.Logging;

namespace Fleet.Durable.Tracking.AzureStorage;

/// <summary>The task hub in Azure Storage, laid out as DurableTask.AzureStorage lays it out: <c>{hub}Instances</c> and <c>{hub}History</c>
/// tables (history rows keyed by 16-hex-digit sequence numbers plus a <c>sentinel</c> row whose ETag guards every checkpoint),
/// control queues <c>{hub}-control-NN</c>, the <c>{hub}-workitems</c> queue and the <c>{hub}-largemessages</c> container.</summary>
internal sealed class AzureStorageDurableStore : IDurableStore
{
    private const string SentinelRowKey = "sentinel";
    private const string BlobMessagePrefix = "blob:";
    // Marks a message sent claimed: its claimed run was its first delivery, so receives count one more towards the poison limit.
    private const string ClaimedMessagePrefix = "claimed:";
    // Table transactions hold at most 100 entities and 4 MB; one slot is the sentinel.
    private const int MaxRowsPerTransaction = 99;
    private const int MaxCharsPerTransaction = 1_500_000;

    private readonly AzureStorageNames _names;
    private readonly TableClient _instances;
    private readonly TableClient _history;
    private readonly TableClient _poison;
    private readonly QueueClient[] _control;
    private readonly QueueClient _workItems;
    private readonly LargePayloads _blobs;
    private readonly BlobContainerClient _leases;
    private readonly ILogger _log;

    public AzureStorageDurableStore(DurableTaskOptions options, ILoggerFactory loggerFactory)
    {
        _log = loggerFactory.CreateLogger("Fleet.Durable.AzureStorage");
        _names = new AzureStorageNames(options.HubName);
        string cs = options.StorageConnectionString;
        var tables = new TableServiceClient(cs);
        var queues = new QueueServiceClient(cs);
        var blobs = new BlobServiceClient(cs);
        _instances = tables.GetTableClient(_names.InstancesTable);
        _history = tables.GetTableClient(_names.HistoryTable);
        _poison = tables.GetTableClient(_names.PoisonTable);
        PartitionCount = options.PartitionCount;
        _control = Enumerable.Range(0, PartitionCount).Select(p => queues.GetQueueClient(_names.ControlQueue(p))).ToArray();
        _workItems = queues.GetQueueClient(_names.WorkItemQueue);
        _blobs = new LargePayloads(blobs.GetBlobContainerClient(_names.LargeMessagesContainer));
        _leases = blobs.GetBlobContainerClient(_names.LeasesContainer);
        Wakeups = new QueueWakeups(PartitionCount + 1);
    }

    public int PartitionCount { get; }
    public QueueWakeups Wakeups { get; }

    public async Task InitializeAsync(CancellationToken ct)
    {
        var work = new List<Task>
        {
            _instances.CreateIfNotExistsAsync(ct),
            _history.CreateIfNotExistsAsync(ct),
            _poison.CreateIfNotExistsAsync(ct),
            _workItems.CreateIfNotExistsAsync(cancellationToken: ct),
            _blobs.Container.CreateIfNotExistsAsync(cancellationToken: ct),
        };
        work.AddRange(_control.Select(q => q.CreateIfNotExistsAsync(cancellationToken: ct)));
        await Task.WhenAll(work);
    }

    public async Task DeleteAllAsync(CancellationToken ct)
    {
        var work = new List<Task>
        {
            _instances.DeleteAsync(ct), _history.DeleteAsync(ct), _poison.DeleteAsync(ct),
            _workItems.DeleteIfExistsAsync(ct), _blobs.Container.DeleteIfExistsAsync(cancellationToken: ct),
            _leases.DeleteIfExistsAsync(cancellationToken: ct),
        };
        work.AddRange(_control.Select(q => q.DeleteIfExistsAsync(ct)));
        await Task.WhenAll(work);
    }

    private QueueClient QueueOf(int partition) => partition < 0 ? _workItems : _control[partition];

    public async Task<QueueItem?> SendAsync(IReadOnlyList<QueuedMessage> messages, bool toWorkItems, TimeSpan? delay, TimeSpan? claimFor, CancellationToken ct)
    {
        string instanceId = messages[0].InstanceId;
        int partition = toWorkItems ? -1 : StableHash.PartitionOf(instanceId, PartitionCount);
        string body = MessageCodec.Encode(messages);
        string text = body;
        if (Encoding.UTF8.GetByteCount(text) > LargePayloads.MaxMessageBytes)
            text = BlobMessagePrefix + await _blobs.UploadAsync(instanceId, "message", text, ct);
        if (claimFor is not null) text = ClaimedMessagePrefix + text;
        TimeSpan? hidden = claimFor is { } claim ? WholeSeconds(claim) : delay is { } d && d > TimeSpan.Zero ? WholeSeconds(d) : null;
        // Messages must never expire (the default time-to-live is 7 days): -1 means infinite.
        var sent = (await QueueOf(partition).SendMessageAsync(text, hidden, TimeSpan.FromSeconds(-1), ct)).Value;
        QueueMessageCounters.OnSent(messages.Count);
        if (claimFor is null)
        {
            Wakeups.Signal(partition, delay);
            return null;
        }
        // Decoded from what was sent, so the holder shares no objects with the sender.
        return new QueueItem { Messages = MessageCodec.Decode(body), DequeueCount = 1, Partition = partition, Receipt = new Receipt(sent.MessageId, sent.PopReceipt) };
    }

    public async Task<IReadOnlyList<QueueItem>> ReceiveAsync(int partition, int max, TimeSpan visibility, CancellationToken ct)
    {
        var queue = QueueOf(partition);
        QueueMessage[] messages = (await queue.ReceiveMessagesAsync(Math.Min(max, 32), visibility, ct)).Value;
        if (messages.Length == 0) return Array.Empty<QueueItem>();
        QueueMessageCounters.OnReceived(messages.Length);
        return await Task.WhenAll(messages.Select(async m =>
        {
            string text = m.Body.ToString();
            int earlier = 0;
            if (text.StartsWith(ClaimedMessagePrefix, StringComparison.Ordinal))
            {
                text = text[ClaimedMessagePrefix.Length..];
                earlier = 1;
            }
            if (text.StartsWith(BlobMessagePrefix, StringComparison.Ordinal))
                text = await _blobs.DownloadAsync(text[BlobMessagePrefix.Length..], ct);
            return new QueueItem
            {
                Messages = MessageCodec.Decode(text), DequeueCount = (int)m.DequeueCount + earlier, Partition = partition,
                Receipt = new Receipt(m.MessageId, m.PopReceipt),
            };
        }));
    }

    // Queue visibility has whole-second resolution and would truncate: round up so that nothing becomes visible early.
    private static TimeSpan WholeSeconds(TimeSpan delay) => TimeSpan.FromSeconds(Math.Ceiling(Math.Max(0, delay.TotalSeconds)));

    private sealed record Receipt(string MessageId, string PopReceipt);

    public async Task DeleteAsync(QueueItem item, CancellationToken ct)
    {
        var r = (Receipt)item.Receipt!;
        try
        {
            await QueueOf(item.Partition).DeleteMessageAsync(r.MessageId, r.PopReceipt, ct);
            QueueMessageCounters.OnDeleted();
        }
        catch (RequestFailedException e) when (e.Status is 404 or 400)
        {
            // Already deleted, or its visibility expired and another receiver holds it now: that receiver finishes the work.
        }
    }

    public async Task AbandonAsync(QueueItem item, TimeSpan delay, CancellationToken ct)
    {
        var r = (Receipt)item.Receipt!;
        try
        {
            var updated = await QueueOf(item.Partition).UpdateMessageAsync(r.MessageId, r.PopReceipt, visibilityTimeout: WholeSeconds(delay), cancellationToken: ct);
            item.Receipt = r with { PopReceipt = updated.Value.PopReceipt };
        }
        catch (RequestFailedException e) when (e.Status is 404 or 400)
        {
        }
        Wakeups.Signal(item.Partition, delay);
    }

    public async Task<HistorySnapshot> LoadHistoryAsync(string instanceId, CancellationToken ct)
    {
        var rows = new List<TableEntity>();
        TableEntity? sentinel = null;
        await foreach (var e in _history.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {TableKeys.Escape(instanceId)}"), cancellationToken: ct))
        {
            if (e.RowKey == SentinelRowKey) sentinel = e;
            else rows.Add(e);
        }
        if (sentinel is null) return new HistorySnapshot();
        string executionId = sentinel.GetString("ExecutionId") ?? "";
        int count = sentinel.GetInt32("Count") ?? 0;
        // Rows past Count belong to a checkpoint that never committed, or to an older execution: ignore them.
        var current = rows.Where(r => r.GetString("ExecutionId") == executionId && Convert.ToInt64(r.RowKey, 16) < count)
            .OrderBy(r => r.RowKey, StringComparer.Ordinal).ToList();
        var events = new List<HistoryEvent>(current.Count);
        var messageIds = new HashSet<string>();
        foreach (var r in current)
        {
            string data = r.GetString("DataBlob") is { } blob ? await _blobs.DownloadAsync(blob, ct) : r.GetString("Data") ?? "{}";
            events.Add(MessageCodec.DecodeEvent(data));
            if (r.GetString("MessageId") is { } id) messageIds.Add(id);
        }
        return new HistorySnapshot { Events = events, MessageIds = messageIds, ExecutionId = executionId, ETag = sentinel.ETag.ToString() };
    }

    public async Task<string?> CommitHistoryAsync(string instanceId, string executionId, bool reset, int existingCount,
        IReadOnlyList<HistoryRow> newEvents, string? etag, CancellationToken ct)
    {
        string? current = etag;
        if (reset && current is not null)
        {
            // Step the sentinel to the new, empty execution first, alone and atomically, so old rows are never half-overwritten.
            current = await WriteSentinelAsync(instanceId, executionId, 0, current, ct);
            if (current is null) return null;
            existingCount = 0;
        }
        var rows = new List<(TableEntity Row, int Chars)>();
        for (int i = 0; i < newEvents.Count; i++)
        {
            string rowKey = (existingCount + i).ToString("X16");
            var e = newEvents[i].Event;
            string json = MessageCodec.EncodeEvent(e);
            var row = new TableEntity(TableKeys.Escape(instanceId), rowKey)
            {
                ["ExecutionId"] = executionId,
                ["EventType"] = e.EventType.ToString(),
                ["Name"] = HistoryNames.Of(e),
                ["MessageId"] = newEvents[i].MessageId,
            };
            if (json.Length > LargePayloads.MaxPropertyChars) row["DataBlob"] = await _blobs.UploadAsync(instanceId, "history", json, ct);
            else row["Data"] = json;
            rows.Add((row, Math.Min(json.Length, LargePayloads.MaxPropertyChars) + 200));
        }
        int total = existingCount + newEvents.Count;
        // Every transaction carries the sentinel with If-Match; only the last one moves Count, which makes the rows visible.
        int index = 0;
        do
        {
            var batch = new List<TableEntity>();
            int chars = 0;
            while (index < rows.Count && batch.Count < MaxRowsPerTransaction && (batch.Count == 0 || chars + rows[index].Chars <= MaxCharsPerTransaction))
            {
                batch.Add(rows[index].Row);
                chars += rows[index].Chars;
                index++;
            }
            bool last = index >= rows.Count;
            int visible = last ? total : existingCount;
            var sentinel = new TableEntity(TableKeys.Escape(instanceId), SentinelRowKey) { ["ExecutionId"] = last ? executionId : executionId, ["Count"] = visible };
            var actions = batch.Select(r => new TableTransactionAction(TableTransactionActionType.UpsertReplace, r)).ToList();
            actions.Add(current is null
                ? new TableTransactionAction(TableTransactionActionType.Add, sentinel)
                : new TableTransactionAction(TableTransactionActionType.UpdateReplace, sentinel, new ETag(current)));
            try
            {
                var response = await _history.SubmitTransactionAsync(actions, ct);
                current = response.Value[actions.Count - 1].Headers.ETag?.ToString();
                if (current is null)
                {
                    var fresh = await _history.GetEntityAsync<TableEntity>(TableKeys.Escape(instanceId), SentinelRowKey, cancellationToken: ct);
                    current = fresh.Value.ETag.ToString();
                }
            }
            catch (TableTransactionFailedException e) when (e.Status is 409 or 412 || e.FailedTransactionActionIndex == actions.Count - 1)
            {
                return null;
            }
        } while (index < rows.Count);
        return current;
    }

    private async Task<string?> WriteSentinelAsync(string instanceId, string executionId, int count, string etag, CancellationToken ct)
    {
        try
        {
            var r = await _history.UpdateEntityAsync(new TableEntity(TableKeys.Escape(instanceId), SentinelRowKey) { ["ExecutionId"] = executionId, ["Count"] = count },
                new ETag(etag), TableUpdateMode.Replace, ct);
            return r.Headers.ETag?.ToString();
        }
        catch (RequestFailedException e) when (e.Status is 409 or 412)
        {
            return null;
        }
    }

    public async Task<InstanceRecord?> GetInstanceAsync(string instanceId, bool withPayloads, CancellationToken ct)
    {
        var r = await _instances.GetEntityIfExistsAsync<TableEntity>(TableKeys.Escape(instanceId), "", cancellationToken: ct);
        return r.HasValue ? await ToRecordAsync(r.Value!, withPayloads, ct) : null;
    }

    private async Task<InstanceRecord> ToRecordAsync(TableEntity e, bool withPayloads, CancellationToken ct)
    {
        async Task<string?> Payload(string name) => !withPayloads ? null
            : e.GetString(name + "Blob") is { } blob ? await _blobs.DownloadAsync(blob, ct) : e.GetString(name);
        string? failure = e.GetString("FailureDetails");
        return new InstanceRecord
        {
            InstanceId = TableKeys.Unescape(e.PartitionKey),
            Name = e.GetString("Name") ?? "",
            ExecutionId = e.GetString("ExecutionId"),
            Version = e.GetString("Version"),
            ParentInstanceId = e.GetString("ParentInstanceId"),
            RuntimeStatus = Enum.TryParse<OrchestrationStatus>(e.GetString("RuntimeStatus"), out var s) ? s : OrchestrationStatus.Pending,
            CreatedTime = e.GetDateTimeOffset("CreatedTime")?.UtcDateTime ?? default,
            LastUpdatedTime = e.GetDateTimeOffset("LastUpdatedTime")?.UtcDateTime ?? default,
            CompletedTime = e.GetDateTimeOffset("CompletedTime")?.UtcDateTime,
            ScheduledStartTime = e.GetDateTimeOffset("ScheduledStartTime")?.UtcDateTime,
            Input = await Payload("Input"),
            Output = await Payload("Output"),
            CustomStatus = await Payload("CustomStatus"),
            FailureDetails = MessageCodec.DecodeFailure(failure),
        };
    }

    private async Task<TableEntity> ToEntityAsync(InstanceRecord r, CancellationToken ct)
    {
        var e = new TableEntity(TableKeys.Escape(r.InstanceId), "")
        {
            ["Name"] = r.Name,
            ["ExecutionId"] = r.ExecutionId,
            ["RuntimeStatus"] = r.RuntimeStatus.ToString(),
            ["CreatedTime"] = Utc(r.CreatedTime),
            ["LastUpdatedTime"] = Utc(r.LastUpdatedTime),
            ["CompletedTime"] = r.CompletedTime is { } c ? Utc(c) : null,
            ["ScheduledStartTime"] = r.ScheduledStartTime is { } s ? Utc(s) : null,
            ["FailureDetails"] = MessageCodec.EncodeFailure(r.FailureDetails),
            ["Version"] = r.Version,
            ["ParentInstanceId"] = r.ParentInstanceId,
        };
        async Task Put(string name, string? value)
        {
            if (value is not null && value.Length > LargePayloads.MaxPropertyChars) e[name + "Blob"] = await _blobs.UploadAsync(r.InstanceId, name, value, ct);
            else e[name] = value;
        }
        await Put("Input", r.Input);
        await Put("Output", r.Output);
        if (r.CustomStatusKnown) await Put("CustomStatus", r.CustomStatus);
        return e;
    }

    private static DateTimeOffset Utc(DateTime t) => new(DateTime.SpecifyKind(t, DateTimeKind.Utc));

    public async Task UpsertInstanceAsync(InstanceRecord record, CancellationToken ct)
    {
        var e = await ToEntityAsync(record, ct);
        // Merge keeps the stored custom status when this writer does not know it (terminate, repair).
        await _instances.UpsertEntityAsync(e, record.CustomStatusKnown ? TableUpdateMode.Replace : TableUpdateMode.Merge, ct);
    }

    public async Task<bool> CreateInstanceAsync(InstanceRecord record, IReadOnlyCollection<OrchestrationStatus> dedupeStatuses, CancellationToken ct)
    {
        var e = await ToEntityAsync(record, ct);
        try
        {
            await _instances.AddEntityAsync(e, ct);
            return true;
        }
        catch (RequestFailedException x) when (x.Status == 409)
        {
        }
        var existing = await _instances.GetEntityIfExistsAsync<TableEntity>(TableKeys.Escape(record.InstanceId), "", cancellationToken: ct);
        if (existing.HasValue)
        {
            var old = await ToRecordAsync(existing.Value!, false, ct);
            if (dedupeStatuses.Contains(old.RuntimeStatus))
                throw new OrchestrationAlreadyExistsException($"An orchestration with instance id '{record.InstanceId}' already exists and is {old.RuntimeStatus}.");
            try
            {
                await _instances.UpdateEntityAsync(e, existing.Value!.ETag, TableUpdateMode.Replace, ct);
                return false;
            }
            catch (RequestFailedException x) when (x.Status is 409 or 412)
            {
                throw new OrchestrationAlreadyExistsException($"An orchestration with instance id '{record.InstanceId}' was just started by another client.");
            }
        }
        await _instances.AddEntityAsync(e, ct);
        return true;
    }

    public async Task<(IReadOnlyList<InstanceRecord> Page, string? ContinuationToken)> QueryInstancesAsync(InstanceFilter filter, int pageSize,
        string? continuationToken, bool withPayloads, CancellationToken ct)
    {
        var parts = new List<string> { "RowKey eq ''" };
        if (!string.IsNullOrEmpty(filter.Prefix))
        {
            string prefix = TableKeys.Escape(filter.Prefix);
            string upper = prefix[..^1] + (char)(prefix[^1] + 1);
            parts.Add(TableClient.CreateQueryFilter($"PartitionKey ge {prefix} and PartitionKey lt {upper}"));
        }
        if (filter.CreatedFrom is { } from) parts.Add(TableClient.CreateQueryFilter($"CreatedTime ge {Utc(from)}"));
        if (filter.CreatedTo is { } to) parts.Add(TableClient.CreateQueryFilter($"CreatedTime le {Utc(to)}"));
        if (filter.Statuses is { Count: > 0 } statuses)
            parts.Add("(" + string.Join(" or ", statuses.Select(s => TableClient.CreateQueryFilter($"RuntimeStatus eq {s.ToString()}"))) + ")");
        string query = string.Join(" and ", parts);
        string? token = continuationToken is null ? null : Encoding.UTF8.GetString(Base64UrlDecode(continuationToken));
        await foreach (var page in _instances.QueryAsync<TableEntity>(query, pageSize, cancellationToken: ct).AsPages(token, pageSize))
        {
            var records = new List<InstanceRecord>();
            foreach (var e in page.Values) records.Add(await ToRecordAsync(e, withPayloads, ct));
            string? next = page.ContinuationToken is { Length: > 0 } t ? Base64UrlEncode(Encoding.UTF8.GetBytes(t)) : null;
            return (records, next);
        }
        return (Array.Empty<InstanceRecord>(), null);
    }

    private static string Base64UrlEncode(byte[] data) => Convert.ToBase64String(data).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static byte[] Base64UrlDecode(string s)
    {
        s = s.Replace('-', '+').Replace('_', '/');
        return Convert.FromBase64String(s.PadRight(s.Length + (4 - s.Length % 4) % 4, '='));
    }

    public async Task WritePoisonAsync(QueueItem item, string reason, CancellationToken ct)
    {
        foreach (var message in item.Messages)
        {
            string json = MessageCodec.Encode([message]);
            var e = new TableEntity(TableKeys.Escape(message.InstanceId), message.MessageId)
            {
                ["EventType"] = message.Event.EventType.ToString(),
                ["Queue"] = item.Partition < 0 ? _names.WorkItemQueue : _names.ControlQueue(item.Partition),
                ["DequeueCount"] = item.DequeueCount,
                ["Reason"] = reason.Length > LargePayloads.MaxPropertyChars ? reason[..LargePayloads.MaxPropertyChars] : reason,
            };
            if (json.Length > LargePayloads.MaxPropertyChars) e["ContentBlob"] = await _blobs.UploadAsync(message.InstanceId, "poison", json, ct);
            else e["Content"] = json;
            await _poison.UpsertEntityAsync(e, TableUpdateMode.Replace, ct);
        }
    }

    public async Task<bool> DeleteInstanceAsync(string instanceId, CancellationToken ct)
    {
        bool existed = false;
        var keys = new List<TableEntity>();
        await foreach (var e in _history.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {TableKeys.Escape(instanceId)}"), select: ["PartitionKey", "RowKey"], cancellationToken: ct))
            keys.Add(e);
        foreach (var chunk in keys.Chunk(100))
        {
            await _history.SubmitTransactionAsync(chunk.Select(k => new TableTransactionAction(TableTransactionActionType.Delete, k, ETag.All)), ct);
            existed = true;
        }
        var r = await _instances.DeleteEntityAsync(TableKeys.Escape(instanceId), "", ETag.All, ct);
        existed |= r.Status != 404;
        await _blobs.DeleteInstanceAsync(instanceId, ct);
        return existed;
    }
}
