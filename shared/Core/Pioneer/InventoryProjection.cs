using Azure;
using Azure.Data.Tables;
using Fleet.Core.Platform.Storage;
using Microsoft.Extensions.Logging;

namespace Fleet.Core.Pioneer;

/// <summary>
/// What one read of a source found: its resources (priced), the scopes it read completely (a resource of such a scope
/// that is not in the list is gone) and the scopes that still exist (rows of any other scope of the source are gone:
/// an unregistered cluster). A cluster that could not be read is live but not complete: its rows stay as they were.
/// </summary>
public sealed record SourceRead(string Source, IReadOnlyList<PioneerResource> Resources, IReadOnlyCollection<string> Complete,
    IReadOnlyCollection<string> Live, DateTimeOffset ReadAt);

/// <summary>The projection's bookkeeping: when each source was last applied, and version stamps that change with its contents.</summary>
public sealed record InventoryState(IReadOnlyDictionary<string, DateTimeOffset> ReadAt, string ShapeVersion, string UsageVersion);

public sealed record ProjectionResult(bool Applied, int Written, int Removed);

/// <summary>
/// CloudPioneer's inventory as a Table storage projection, one sorted copy per <see cref="InventoryIndex"/>. Applying a
/// source's read (the sample tick does, and the list route when the projection is stale) writes only what changed:
/// a new or changed resource is upserted in every copy (and its old row deleted where its key moved), a gone one is
/// deleted from every copy, an unchanged one only gets its <c>LastSeen</c> in the primary copy. Writes go as
/// transactions of at most 100 per copy (each copy is one partition), the primary copy last. Idempotent: applying the
/// same read twice changes nothing the second time. A lease per source serialises refreshes across hosts, a read
/// older than the one already applied is dropped, and a refresh that died half-way is followed by a sweep of the
/// source's rows in every copy.
/// </summary>
public sealed class InventoryProjection(FleetStorage storage, TimeProvider time, ILogger<InventoryProjection> log)
{
    public const string StateTable = "pioneerInvState";
    private const string SourcePartition = "source", VersionPartition = "version", VersionRow = "current";
    public static readonly TimeSpan LeaseWait = TimeSpan.FromMinutes(5);

    public static IEnumerable<string> Tables => InventoryIndex.All.Select(i => i.Table).Append(StateTable);

    public TableClient Copy(InventoryIndex index) => storage.Tables.GetTableClient(index.Table);
    private TableClient State => storage.Tables.GetTableClient(StateTable);

    public Task EnsureTablesAsync(CancellationToken ct) => Task.WhenAll(Tables.Select(t => storage.EnsureTableAsync(t, ct)));

    public async Task<InventoryState> ReadStateAsync(CancellationToken ct)
    {
        await EnsureTablesAsync(ct);
        var readAt = new Dictionary<string, DateTimeOffset>();
        string shape = "", usage = "";
        await foreach (var e in State.QueryAsync<TableEntity>(cancellationToken: ct))
        {
            if (e.PartitionKey == SourcePartition && e.GetDateTimeOffset("ReadAt") is { } at) readAt[e.RowKey] = at;
            else if (e.PartitionKey == VersionPartition && e.RowKey == VersionRow)
            {
                shape = e.GetString("Shape") ?? "";
                usage = e.GetString("Usage") ?? "";
            }
        }
        return new InventoryState(readAt, shape, usage);
    }

    public async Task<ProjectionResult> ApplyAsync(SourceRead read, CancellationToken ct)
    {
        await EnsureTablesAsync(ct);
        await using var lease = await InventoryLease.AcquireAsync(storage, read.Source, LeaseWait, ct);
        var found = await State.GetEntityIfExistsAsync<TableEntity>(SourcePartition, read.Source, cancellationToken: ct);
        var mark = found.HasValue ? found.Value : null;
        if (mark?.GetDateTimeOffset("ReadAt") is { } applied && applied > read.ReadAt)
            return new ProjectionResult(false, 0, 0); // a newer read of this source is already there
        var dirty = mark?.GetBoolean("Dirty") == true;

        var existing = new Dictionary<string, PioneerResource>(StringComparer.Ordinal);
        await foreach (var e in Copy(InventoryIndex.Primary).QueryAsync<TableEntity>(
                           $"PartitionKey eq '{InventoryIndex.Partition}' and Source eq '{Quote(read.Source)}'", cancellationToken: ct))
            existing[e.GetString("Id") ?? ""] = InventoryRows.ToResource(e);

        var fresh = new Dictionary<string, PioneerResource>(StringComparer.Ordinal);
        foreach (var r in read.Resources) fresh.TryAdd(r.Id, r);
        var now = time.GetUtcNow();
        var ops = InventoryIndex.All.ToDictionary(i => i, _ => new List<TableTransactionAction>());
        bool shape = false, usage = false;
        int written = 0, removed = 0;
        foreach (var (id, r) in fresh)
        {
            existing.TryGetValue(id, out var old);
            if (old is not null && !dirty && InventoryRows.Same(old, r))
            {
                ops[InventoryIndex.Primary].Add(new TableTransactionAction(TableTransactionActionType.UpsertMerge,
                    new TableEntity(InventoryIndex.Partition, InventoryIndex.Primary.RowKey(r)) { ["LastSeen"] = now }));
                continue;
            }
            if (old is null || InventoryRows.ShapeChanged(old, r)) shape = true;
            else usage = true;
            written++;
            foreach (var index in InventoryIndex.All)
            {
                var key = index.RowKey(r);
                ops[index].Add(new TableTransactionAction(TableTransactionActionType.UpsertReplace,
                    InventoryRows.ToEntity(r, key, index == InventoryIndex.Primary ? now : null)));
                if (old is not null && index.RowKey(old) is var oldKey && oldKey != key)
                    ops[index].Add(new TableTransactionAction(TableTransactionActionType.Delete, new TableEntity(InventoryIndex.Partition, oldKey), ETag.All));
            }
        }
        var kept = new Dictionary<string, PioneerResource>(fresh, StringComparer.Ordinal);
        foreach (var (id, old) in existing.Where(x => !fresh.ContainsKey(x.Key)))
        {
            var scope = InventoryRows.Scope(id);
            if (read.Live.Contains(scope) && !read.Complete.Contains(scope))
            {
                kept[id] = old; // a cluster that could not be read this time: its rows stay
                if (dirty)
                    foreach (var index in InventoryIndex.All)
                        ops[index].Add(new TableTransactionAction(TableTransactionActionType.UpsertReplace, InventoryRows.ToEntity(old, index.RowKey(old))));
                continue;
            }
            shape = true;
            removed++;
            foreach (var index in InventoryIndex.All)
                ops[index].Add(new TableTransactionAction(TableTransactionActionType.Delete, new TableEntity(InventoryIndex.Partition, index.RowKey(old)), ETag.All));
        }

        if (dirty) shape = true; // after a half-done refresh every row is rewritten and strays swept
        var changed = shape || usage;
        if (changed) await MarkAsync(read.Source, null, dirty: true, ct);
        // Every copy but the primary first: the primary is what the next refresh compares with, so it changes last.
        await Parallel.ForEachAsync(InventoryIndex.All.Where(i => i != InventoryIndex.Primary),
            new ParallelOptions { MaxDegreeOfParallelism = 4, CancellationToken = ct },
            async (index, t) => await SubmitAsync(Copy(index), ops[index], t));
        await SubmitAsync(Copy(InventoryIndex.Primary), ops[InventoryIndex.Primary], ct);
        if (dirty) await SweepAsync(read.Source, kept, ct);
        if (changed)
        {
            var version = new TableEntity(VersionPartition, VersionRow) { ["Usage"] = Guid.NewGuid().ToString("N") };
            if (shape) version["Shape"] = Guid.NewGuid().ToString("N");
            await State.UpsertEntityAsync(version, TableUpdateMode.Merge, ct);
        }
        await MarkAsync(read.Source, read.ReadAt, dirty: false, ct);
        return new ProjectionResult(true, written, removed);
    }

    private async Task MarkAsync(string source, DateTimeOffset? readAt, bool dirty, CancellationToken ct)
    {
        var e = new TableEntity(SourcePartition, source) { ["Dirty"] = dirty };
        if (readAt is { } at) e["ReadAt"] = at;
        await State.UpsertEntityAsync(e, TableUpdateMode.Merge, ct);
    }

    /// <summary>After a refresh that died half-way: every row of the source in every copy that is not where its resource belongs goes.</summary>
    private async Task SweepAsync(string source, Dictionary<string, PioneerResource> kept, CancellationToken ct)
    {
        var swept = 0;
        foreach (var index in InventoryIndex.All)
        {
            var stale = new List<TableTransactionAction>();
            await foreach (var e in Copy(index).QueryAsync<TableEntity>($"PartitionKey eq '{InventoryIndex.Partition}' and Source eq '{Quote(source)}'",
                               select: ["PartitionKey", "RowKey", "Id"], cancellationToken: ct))
            {
                if (kept.TryGetValue(e.GetString("Id") ?? "", out var r) && index.RowKey(r) == e.RowKey) continue;
                stale.Add(new TableTransactionAction(TableTransactionActionType.Delete, new TableEntity(e.PartitionKey, e.RowKey), ETag.All));
            }
            swept += stale.Count;
            await SubmitAsync(Copy(index), stale, ct);
        }
        if (swept > 0) log.LogInformation("Inventory sweep of {Source} removed {Count} stray rows", source, swept);
    }

    /// <summary>Transactions of at most 100; one that fails (a row to delete already gone) is redone operation by operation.</summary>
    private static async Task SubmitAsync(TableClient table, List<TableTransactionAction> ops, CancellationToken ct)
    {
        foreach (var chunk in ops.Chunk(100))
        {
            try
            {
                await table.SubmitTransactionAsync(chunk, ct);
            }
            catch (TableTransactionFailedException)
            {
                foreach (var op in chunk)
                {
                    try
                    {
                        switch (op.ActionType)
                        {
                            case TableTransactionActionType.Delete:
                                await table.DeleteEntityAsync(op.Entity.PartitionKey, op.Entity.RowKey, ETag.All, ct);
                                break;
                            case TableTransactionActionType.UpsertMerge:
                                await table.UpsertEntityAsync((TableEntity)op.Entity, TableUpdateMode.Merge, ct);
                                break;
                            default:
                                await table.UpsertEntityAsync((TableEntity)op.Entity, TableUpdateMode.Replace, ct);
                                break;
                        }
                    }
                    catch (RequestFailedException e) when (e.Status == 404) { }
                }
            }
        }
    }

    public static string Quote(string value) => value.Replace("'", "''");
}
