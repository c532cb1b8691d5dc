using Azure;
using Azure.Data.Tables;
using Fleet.Core.Platform.Storage;

namespace Fleet.Core.Platform.Timers;

/// <summary>The <c>platformTimers</c> table: schedule status and run results, every write conditional on the ETag read.</summary>
public sealed class TimerStatusStore(FleetStorage storage)
{
    private TableClient Client => storage.Tables.GetTableClient(TimerStatusEntity.Table);

    public async Task<TimerStatusEntity?> GetAsync(string timer, CancellationToken ct = default)
    {
        await storage.EnsureTableAsync(TimerStatusEntity.Table, ct);
        var r = await Client.GetEntityIfExistsAsync<TimerStatusEntity>(timer, TimerStatusEntity.StatusRow, cancellationToken: ct);
        return r.HasValue ? r.Value : null;
    }

    /// <summary>The stored row, created with <paramref name="next"/> as its first tick when the timer never ran anywhere.</summary>
    public async Task<TimerStatusEntity> GetOrCreateAsync(string timer, DateTimeOffset next, DateTimeOffset now, CancellationToken ct)
    {
        if (await GetAsync(timer, ct) is { } existing) return existing;
        var row = new TimerStatusEntity { PartitionKey = timer, Next = next, LastUpdated = now };
        try
        {
            var r = await Client.AddEntityAsync(row, ct);
            row.ETag = r.Headers.ETag ?? default;
            return row;
        }
        catch (RequestFailedException e) when (e.Status == 409)
        {
            // Another host created it first; theirs is as good.
            return (await GetAsync(timer, ct))!;
        }
    }

    /// <summary>
    /// Claims <paramref name="tick"/>: moves Last to it only if the row is unchanged since it was read (If-Match)
    /// and its Last is older. Returns false when another host got there first.
    /// </summary>
    public async Task<bool> TryClaimAsync(TimerStatusEntity row, DateTimeOffset tick, DateTimeOffset next, DateTimeOffset now, CancellationToken ct)
    {
        if (row.Last >= tick) return false;
        row.Last = tick;
        row.Next = next;
        row.LastUpdated = now;
        row.LastStarted = now;
        try
        {
            var r = await Client.UpdateEntityAsync(row, row.ETag, TableUpdateMode.Replace, ct);
            row.ETag = r.Headers.ETag ?? default;
            return true;
        }
        catch (RequestFailedException e) when (e.Status is 412 or 404)
        {
            return false;
        }
    }

    /// <summary>Records a finished run; re-reads and retries when the row moved meanwhile (a claim by another host).</summary>
    public async Task RecordAsync(string timer, DateTimeOffset finished, TimeSpan duration, string? error, string host, CancellationToken ct)
    {
        for (var attempt = 0; ; attempt++)
        {
            var row = await GetAsync(timer, ct) ?? new TimerStatusEntity { PartitionKey = timer };
            row.LastUpdated = finished;
            row.LastDurationMs = (long)duration.TotalMilliseconds;
            row.LastSucceeded = error is null;
            row.LastHost = host;
            row.Runs++;
            if (error is not null)
            {
                row.Failures++;
                row.LastError = error;
                row.LastErrorAt = finished;
            }
            try
            {
                if (row.ETag == default) await Client.AddEntityAsync(row, ct);
                else await Client.UpdateEntityAsync(row, row.ETag, TableUpdateMode.Replace, ct);
                return;
            }
            catch (RequestFailedException e) when (e.Status is 409 or 412 && attempt < 5)
            {
            }
        }
    }
}
