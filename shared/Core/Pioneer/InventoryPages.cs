using System.Collections.Concurrent;
using Azure.Data.Tables;

namespace Fleet.Core.Pioneer;

/// <summary>
/// Pages of the inventory projection by page number, read from the sorted copy of the query's sort in key order with
/// the query's terms as a Table filter. A page starts after the row key that ended the page before it (the table's
/// own continuation, kept per query and projection version on this host), so page N+1 after page N is one range read
/// of per_page rows. The first page of a query (or the first after the projection changed) counts the matching rows
/// once, reading keys only, and remembers where every page starts; a jump to a page no walk has reached skips forward
/// from the nearest remembered start reading keys only.
/// </summary>
public sealed class InventoryPages(InventoryProjection projection)
{
    private const int MaxWalks = 256, MaxStarts = 4096, KeyPage = 1000;
    private static readonly string[] KeysOnly = ["RowKey"], KeysAndName = ["RowKey", "Name"];

    /// <summary>One query at one projection version: its total and where its pages start (offset → the row key just before).</summary>
    private sealed class Walk
    {
        public long? Total;
        public readonly SortedDictionary<long, string> Starts = new();
        public long Used;
    }

    private readonly ConcurrentDictionary<string, Walk> _walks = new();

    public async Task<ResourcePage> ReadAsync(ResourceQuery q, InventoryState state, CancellationToken ct)
    {
        var index = InventoryIndex.For(q.Sort, q.Descending);
        var table = projection.Copy(index);
        var version = index.ByUsage ? $"{state.ShapeVersion}/{state.UsageVersion}" : state.ShapeVersion;
        var names = q.NameTerms;
        var walk = _walks.GetOrAdd($"{index.Table}\n{q.TableFilter}\n{string.Join('\n', names)}\n{version}", _ => new Walk());
        walk.Used = Environment.TickCount64;
        if (_walks.Count > MaxWalks) Evict();

        var offset = (long)(q.Page - 1) * q.PerPage;
        if (walk.Total is not { } total)
        {
            total = await CountAsync(table, q, walk, ct);
            walk.Total = total;
        }
        if (offset >= total) return new ResourcePage([], (int)total, q.Page, q.PerPage);

        long from;
        string? after;
        lock (walk)
        {
            from = walk.Starts.Keys.LastOrDefault(k => k <= offset);
            after = from == 0 ? null : walk.Starts[from];
        }
        if (from < offset) after = await SkipAsync(table, q, after, offset - from, ct);

        var items = new List<PioneerResource>(q.PerPage);
        string? last = null;
        await foreach (var e in table.QueryAsync<TableEntity>(Filter(q, after), maxPerPage: names.Count == 0 ? q.PerPage : KeyPage, cancellationToken: ct))
        {
            if (!q.MatchesName(e.GetString("Name") ?? "")) continue;
            items.Add(InventoryRows.ToResource(e));
            last = e.RowKey;
            if (items.Count == q.PerPage) break;
        }
        if (last is not null) Remember(walk, offset + items.Count, last);
        return new ResourcePage(items, (int)total, q.Page, q.PerPage);
    }

    /// <summary>Counts the matching rows reading keys only, remembering where each page of this size starts.</summary>
    private static async Task<long> CountAsync(TableClient table, ResourceQuery q, Walk walk, CancellationToken ct)
    {
        long n = 0;
        var select = q.NameTerms.Count == 0 ? KeysOnly : KeysAndName;
        await foreach (var e in table.QueryAsync<TableEntity>(Filter(q, null), maxPerPage: KeyPage, select: select, cancellationToken: ct))
        {
            if (!q.MatchesName(e.GetString("Name") ?? "")) continue;
            n++;
            if (n % q.PerPage == 0) Remember(walk, n, e.RowKey);
        }
        return n;
    }

    /// <summary>The row key of the <paramref name="count"/>-th matching row after <paramref name="after"/>, reading keys only.</summary>
    private static async Task<string?> SkipAsync(TableClient table, ResourceQuery q, string? after, long count, CancellationToken ct)
    {
        var select = q.NameTerms.Count == 0 ? KeysOnly : KeysAndName;
        await foreach (var e in table.QueryAsync<TableEntity>(Filter(q, after), maxPerPage: KeyPage, select: select, cancellationToken: ct))
        {
            if (!q.MatchesName(e.GetString("Name") ?? "")) continue;
            after = e.RowKey;
            if (--count == 0) break;
        }
        return after;
    }

    private static string Filter(ResourceQuery q, string? after)
    {
        var f = $"PartitionKey eq '{InventoryIndex.Partition}'";
        if (after is not null) f += $" and RowKey gt '{InventoryProjection.Quote(after)}'";
        return q.TableFilter is { Length: > 0 } terms ? $"{f} and {terms}" : f;
    }

    private static void Remember(Walk walk, long offset, string rowKey)
    {
        lock (walk)
            if (walk.Starts.Count < MaxStarts || walk.Starts.ContainsKey(offset)) walk.Starts[offset] = rowKey;
    }

    private void Evict()
    {
        foreach (var (key, _) in _walks.OrderBy(w => w.Value.Used).Take(_walks.Count - MaxWalks / 2).ToList())
            _walks.TryRemove(key, out _);
    }
}
