using Fleet.Core.Platform.Storage;
using Microsoft.Extensions.Options;

namespace Fleet.Core.Pioneer;

public sealed record RetentionResult(int RolledUpHours, int Deleted);

/// <summary>
/// The series' retention sweep: raw samples older than <c>Pioneer__RawRetentionDays</c> (7) become one hourly average
/// per resource and hour (written at the hour's start, weighted by the samples it stands for, in the same day
/// partition), and every sample older than <c>Pioneer__RetentionDays</c> (90) is deleted. Rows come back from Table
/// storage ordered by partition and time, so one pass groups them by hour. Safe to rerun: the hourly row is written
/// before the raw rows go, and an hour that already has one only loses its remaining raw rows.
/// </summary>
public sealed class MetricRetention(FleetStorage storage, IOptions<PioneerOptions> options)
{
    private TableStore<MetricSample> Rows => storage.Table<MetricSample>(MetricSeries.Table);

    public async Task<RetentionResult> SweepAsync(DateTimeOffset now, CancellationToken ct)
    {
        await storage.EnsureTableAsync(MetricSeries.Table, ct);
        var o = options.Value;
        var deleteBefore = now.AddDays(-o.RetentionDays);
        var rawBefore = Hour(now.AddDays(-o.RawRetentionDays)); // whole hours only
        int hours = 0, deleted = 0;
        var group = new List<MetricSample>();
        async Task Flush()
        {
            if (group.Count == 0) return;
            var (h, d) = await RollUpAsync(group, ct);
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
            if (group.Count > 0 && (group[0].PartitionKey != s.PartitionKey || Hour(group[0].SampledAt) != Hour(s.SampledAt))) await Flush();
            group.Add(s);
        }
        await Flush();
        return new RetentionResult(hours, deleted);
    }

    /// <summary>One resource's samples of one hour: the hourly average (unless there is one already), then the raw rows go.</summary>
    private async Task<(int Hours, int Deleted)> RollUpAsync(List<MetricSample> hour, CancellationToken ct)
    {
        var start = Hour(hour[0].SampledAt);
        var key = MetricSample.Row(start);
        var raw = hour.Where(s => s.Rollup != true).ToList();
        if (raw.Count == 0) return (0, 0);
        var made = 0;
        if (!hour.Any(s => s.Rollup == true))
        {
            await Rows.UpsertAsync(new MetricSample
            {
                PartitionKey = hour[0].PartitionKey, RowKey = key, ResourceId = hour[0].ResourceId, SampledAt = start,
                CpuUsage = Average(raw, s => s.CpuUsage), MemoryUsage = Average(raw, s => s.MemoryUsage), DiskUsage = Average(raw, s => s.DiskUsage),
                Rollup = true, SampleCount = raw.Count,
            }, ct);
            made = 1;
        }
        var deleted = 0;
        foreach (var s in raw.Where(s => s.RowKey != key))
            if (await Rows.DeleteAsync(s.PartitionKey, s.RowKey, ct: ct)) deleted++;
        return (made, deleted);
    }

    private static double? Average(List<MetricSample> samples, Func<MetricSample, double?> value)
    {
        var values = samples.Select(value).Where(v => v is not null).Select(v => v!.Value).ToList();
        return values.Count == 0 ? null : values.Average();
    }

    private static DateTimeOffset Hour(DateTimeOffset t) => new(t.UtcTicks / TimeSpan.TicksPerHour * TimeSpan.TicksPerHour, TimeSpan.Zero);
}
