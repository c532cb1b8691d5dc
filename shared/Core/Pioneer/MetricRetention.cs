using Fleet.Core.Platform.Storage;
using Microsoft.Extensions.Options;

namespace Fleet.Core.Pioneer;

public sealed record RetentionResult(int RolledUpHours, int Deleted);

/// <summary>
/// The series' retention sweep: raw samples older than <c>Pioneer__RawRetentionDays</c> (7) are deleted once their
/// hour's rollup is sealed (the rollup the sampler kept up to date is marked as standing alone; an hour without one,
/// gets one made from its raw samples first), and every sample and rollup older than <c>Pioneer__RetentionDays</c> (90)
/// is deleted. Rows come back from Table storage ordered by partition and time, so one pass groups them by hour. Safe
/// to rerun: the rollup is sealed before the raw rows go, and a sealed hour only loses its remaining raw rows.
/// </summary>
public sealed class MetricRetention(FleetStorage storage, IOptions<PioneerOptions> options)
{
    private TableStore<MetricSample> Rows => storage.Table<MetricSample>(MetricSeries.Table);
    private TableStore<MetricSample> Hourly => storage.Table<MetricSample>(MetricSeries.HourlyTable);

    public async Task<RetentionResult> SweepAsync(DateTimeOffset now, CancellationToken ct)
    {
        await storage.EnsureTableAsync(MetricSeries.Table, ct);
        await storage.EnsureTableAsync(MetricSeries.HourlyTable, ct);
        var o = options.Value;
        var deleteBefore = now.AddDays(-o.RetentionDays);
        var rawBefore = MetricSample.Hour(now.AddDays(-o.RawRetentionDays)); // whole hours only
        int hours = 0, deleted = 0;
        var group = new List<MetricSample>();
        async Task Flush()
        {
            if (group.Count == 0) return;
            var (h, d) = await SealAsync(group, ct);
            hours += h;
            deleted += d;
            group.Clear();
        }
        await foreach (var s in Rows.QueryAllAsync($"RowKey lt '{MetricSample.Row(rawBefore)}'", ct))
        {
            if (s.SampledAt < deleteBefore)
            {
                if (await Rows.DeleteAsync(s.PartitionKey, s.RowKey, ct: ct)) deleted++;
                continue;
            }
            if (group.Count > 0 && (group[0].PartitionKey != s.PartitionKey || MetricSample.Hour(group[0].SampledAt) != MetricSample.Hour(s.SampledAt))) await Flush();
            group.Add(s);
        }
        await Flush();
        await foreach (var h in Hourly.QueryAllAsync($"RowKey lt '{MetricSample.Row(MetricSample.Hour(deleteBefore))}'", ct))
            if (await Hourly.DeleteAsync(h.PartitionKey, h.RowKey, ct: ct)) deleted++;
        return new RetentionResult(hours, deleted);
    }

    /// <summary>One resource's raw samples of one hour: the hour's rollup sealed (made from them if there is none), then they go.</summary>
    private async Task<(int Hours, int Deleted)> SealAsync(List<MetricSample> raw, CancellationToken ct)
    {
        var hour = MetricSample.Hour(raw[0].SampledAt);
        var id = raw[0].ResourceId;
        var partition = MetricSample.HourlyPartition(id, hour);
        var key = MetricSample.Row(hour);
        var current = await Hourly.GetAsync(partition, key, ct);
        var made = 0;
        if (current is null || current.Sealed != true)
        {
            var rollup = current ?? MetricSeries.Average(id, hour, raw);
            rollup.PartitionKey = partition;
            rollup.RowKey = key;
            rollup.Sealed = true;
            await Hourly.UpsertAsync(rollup, ct);
            made = 1;
        }
        var deleted = 0;
        foreach (var s in raw)
            if (await Rows.DeleteAsync(s.PartitionKey, s.RowKey, ct: ct)) deleted++;
        return (made, deleted);
    }
}
