using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Azure;
using Azure.Data.Tables;
using Fleet.Core.Platform.Storage;
using Microsoft.Extensions.Logging;

namespace Fleet.Core.Platform.Mesh;

/// <summary>The outcome of one request against a fixed window: whether it may pass, what is left, when the window ends.</summary>
public readonly record struct RateDecision(bool Granted, long Remaining, DateTimeOffset Reset);

/// <summary>
/// Fixed-window rate limits counted once for the whole fleet. The count of a window lives in one Table row
/// (<c>platformRateWindows</c>, ETag-guarded); a host does not touch it per request but leases permits from it in
/// batches of an eighth of what is left, and spends them locally. So most requests cost no storage call, the fleet never
/// admits more than the limit, and as the window runs low the batches shrink to one permit, so permits stranded on other
/// hosts when one host sees the window exhausted are few (well under 10% of the limit for a handful of hosts).
/// A window starts at its first request, as on a single host. Storage being unreachable fails open to this host's own
/// count of the window, so an outage of the table does not take the API down with it.
/// </summary>
public sealed class SharedRateWindows(FleetStorage storage, MeshTopics topics, TimeProvider clock, ILogger<SharedRateWindows> logger)
{
    public const string Table = "platformRateWindows";
    private readonly ConcurrentDictionary<string, Bucket> _buckets = new();

    private TableClient Rows => storage.Tables.GetTableClient(Table);

    public async ValueTask<RateDecision> AcquireAsync(string key, int limit, TimeSpan window, CancellationToken ct)
    {
        if (_buckets.Count > 50_000) Sweep();
        var bucket = _buckets.GetOrAdd(key, _ => new Bucket());
        if (bucket.TryTakeLocal(clock.GetUtcNow(), limit) is { } quick) return quick;
        await bucket.Gate.WaitAsync(ct);
        try
        {
            var now = clock.GetUtcNow();
            if (bucket.TryTakeLocal(now, limit) is { } after) return after;
            await LeaseAsync(bucket, key, limit, window, now, ct);
            return bucket.TryTakeLocal(clock.GetUtcNow(), limit) ?? bucket.Denied(limit);
        }
        finally
        {
            bucket.Gate.Release();
        }
    }

    private async Task LeaseAsync(Bucket bucket, string key, int limit, TimeSpan window, DateTimeOffset now, CancellationToken ct)
    {
        var rowKey = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(key)));
        try
        {
            await storage.EnsureTableAsync(Table, ct);
            for (var attempt = 0; attempt < 20; attempt++)
            {
                RateWindowEntity? row = null;
                var found = await Rows.GetEntityIfExistsAsync<RateWindowEntity>(topics.FleetName, rowKey, cancellationToken: ct);
                if (found.HasValue) row = found.Value;
                var fresh = row is null || now >= row.Start + window;
                var start = fresh ? now : row!.Start;
                var used = fresh ? 0 : row!.Used;
                var batch = Math.Min(limit - used, Math.Max(1, (limit - used) / 8));
                var next = new RateWindowEntity { PartitionKey = topics.FleetName, RowKey = rowKey, Start = start, Used = used + Math.Max(0, batch) };
                try
                {
                    if (batch > 0)
                    {
                        if (row is null) await Rows.AddEntityAsync(next, ct);
                        else await Rows.UpdateEntityAsync(next, row.ETag, TableUpdateMode.Replace, ct);
                    }
                }
                catch (RequestFailedException e) when (e.Status is 409 or 412)
                {
                    continue; // another host leased meanwhile: read again
                }
                bucket.Leased(start, start + window, Math.Max(0, batch), next.Used);
                return;
            }
            logger.LogWarning("Rate window {Key}: too much contention; counting on this host for now", key);
        }
        catch (Exception e) when (!ct.IsCancellationRequested)
        {
            // RequestFailedException, or the SDK's AggregateException once its retries are spent on a dead endpoint.
            logger.LogWarning("Rate window table unreachable ({Message}); counting on this host for now", e.Message);
        }
        bucket.FallBackToLocal(now, window, limit);
    }

    private void Sweep()
    {
        var now = clock.GetUtcNow();
        foreach (var (key, b) in _buckets)
            if (b.Idle(now)) _buckets.TryRemove(key, out _);
    }

    /// <summary>This host's share of one window: permits leased and not yet spent.</summary>
    private sealed class Bucket
    {
        public readonly SemaphoreSlim Gate = new(1, 1);
        private DateTimeOffset _start = DateTimeOffset.MinValue, _end = DateTimeOffset.MinValue;
        private int _tokens, _usedInTable;
        private bool _exhausted;

        public RateDecision? TryTakeLocal(DateTimeOffset now, int limit)
        {
            lock (this)
            {
                if (now >= _end) return null;
                if (_tokens > 0)
                {
                    _tokens--;
                    return new RateDecision(true, Math.Max(0, limit - _usedInTable + _tokens), _end);
                }
                return _exhausted ? new RateDecision(false, 0, _end) : null;
            }
        }

        public void Leased(DateTimeOffset start, DateTimeOffset end, int batch, int usedInTable)
        {
            lock (this)
            {
                if (start != _start) _tokens = 0;
                _start = start;
                _end = end;
                _tokens += batch;
                _usedInTable = usedInTable;
                _exhausted = batch == 0;
            }
        }

        /// <summary>The table is away: the rest of a window of this host's own, as a single host would count it.</summary>
        public void FallBackToLocal(DateTimeOffset now, TimeSpan window, int limit)
        {
            lock (this)
            {
                // Inside a window whose permits are spent: that is the end of it here.
                if (now < _end)
                {
                    _exhausted = true;
                    return;
                }
                _start = now;
                _end = now + window;
                _tokens = limit;
                _usedInTable = 0;
                _exhausted = false;
            }
        }

        public RateDecision Denied(int limit) { lock (this) return new RateDecision(false, 0, _end); }

        public bool Idle(DateTimeOffset now) { lock (this) return now >= _end; }
    }
}

/// <summary>One fixed window of one limit and client, shared by the fleet's hosts.</summary>
public sealed class RateWindowEntity : ITableEntity
{
    public string PartitionKey { get; set; } = "";
    public string RowKey { get; set; } = "";
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }
    public DateTimeOffset Start { get; set; }
    public int Used { get; set; }
}
