using System.Globalization;
using Fleet.Core.Platform.Errors;
using Fleet.Core.Platform.Storage;

namespace Fleet.Core.Pioneer;

public sealed record SeriesPoint(string Timestamp, double Value);
public sealed record ResourceSeries(string ResourceId, string Interval, IReadOnlyDictionary<string, List<SeriesPoint>> Metrics);

/// <summary>
/// CloudPioneer's metric series in Table storage: samples written by the sampler, read back as averages over buckets
/// aligned to the interval (<c>1m</c>, <c>5m</c>, <c>1h</c>, <c>1d</c>) from <c>start_time</c> (inclusive) to <c>end_time</c> (exclusive).
/// </summary>
public sealed class MetricSeries(FleetStorage storage)
{
    public const string Table = "pioneerMetrics";
    public static readonly string[] MetricNames = ["cpu_usage", "memory_usage", "disk_usage"];
    public static readonly IReadOnlyDictionary<string, TimeSpan> Intervals = new Dictionary<string, TimeSpan>
    {
        ["1m"] = TimeSpan.FromMinutes(1), ["5m"] = TimeSpan.FromMinutes(5), ["1h"] = TimeSpan.FromHours(1), ["1d"] = TimeSpan.FromDays(1),
    };
    public const int MaxDays = 92;

    private TableStore<MetricSample> Rows => storage.Table<MetricSample>(Table);

    /// <summary>Writes one sample per resource that has any usage; a repeated tick at the same instant overwrites (idempotent).</summary>
    public async Task<int> WriteAsync(IEnumerable<PioneerResource> resources, DateTimeOffset at, CancellationToken ct)
    {
        await storage.EnsureTableAsync(Table, ct);
        var n = 0;
        foreach (var r in resources.Where(r => r.Metrics.CpuUsage is not null || r.Metrics.MemoryUsage is not null || r.Metrics.DiskUsage is not null))
        {
            await Rows.UpsertAsync(new MetricSample
            {
                PartitionKey = MetricSample.Partition(r.Id, at), RowKey = MetricSample.Row(at), ResourceId = r.Id, SampledAt = at,
                CpuUsage = r.Metrics.CpuUsage, MemoryUsage = r.Metrics.MemoryUsage, DiskUsage = r.Metrics.DiskUsage,
            }, ct);
            n++;
        }
        return n;
    }

    public sealed record Request(DateTimeOffset Start, DateTimeOffset End, string Interval, IReadOnlyList<string> Metrics);

    /// <summary>Validates the query; defaults: the last hour at 5m, every metric.</summary>
    public static Request Parse(string? startTime, string? endTime, string? interval, IEnumerable<string?> metrics, DateTimeOffset now)
    {
        var end = Time(endTime, "end_time") ?? now;
        var start = Time(startTime, "start_time") ?? end.AddHours(-1);
        if (start >= end) throw FleetException.Validation("start_time", "start_time must be before end_time");
        if (end - start > TimeSpan.FromDays(MaxDays)) throw FleetException.Validation("start_time", $"The range may span at most {MaxDays} days");
        var iv = string.IsNullOrEmpty(interval) ? "5m" : interval;
        if (!Intervals.ContainsKey(iv)) throw FleetException.Validation("interval", "interval must be one of 1m, 5m, 1h, 1d");
        var names = metrics.SelectMany(m => (m ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).Distinct().ToList();
        foreach (var m in names.Where(m => !MetricNames.Contains(m)))
            throw new FleetException(FleetErrorKind.Validation, $"Unknown metric '{m}': use {string.Join(", ", MetricNames)}", "metrics",
                details: new Dictionary<string, object?> { ["metric"] = m });
        return new Request(start, end, iv, names.Count > 0 ? names : MetricNames);
    }

    public async Task<ResourceSeries> ReadAsync(string resourceId, Request q, CancellationToken ct)
    {
        await storage.EnsureTableAsync(Table, ct);
        var width = Intervals[q.Interval].Ticks;
        var sums = q.Metrics.ToDictionary(m => m, _ => new SortedDictionary<long, (double Sum, int Count)>());
        for (var day = q.Start.UtcDateTime.Date; day < q.End.UtcDateTime; day = day.AddDays(1))
        {
            var filter = $"PartitionKey eq '{MetricSample.Partition(resourceId, new DateTimeOffset(day, TimeSpan.Zero)).Replace("'", "''")}'"
                         + $" and RowKey ge '{MetricSample.Row(q.Start)}' and RowKey lt '{MetricSample.Row(q.End)}'";
            await foreach (var s in Rows.QueryAllAsync(filter, ct))
            {
                var bucket = s.SampledAt.UtcTicks / width * width;
                var weight = s.SampleCount ?? 1; // an hourly average counts for the samples it stands for
                foreach (var m in q.Metrics)
                {
                    var v = m switch { "cpu_usage" => s.CpuUsage, "memory_usage" => s.MemoryUsage, _ => s.DiskUsage };
                    if (v is null) continue;
                    var acc = sums[m].GetValueOrDefault(bucket);
                    sums[m][bucket] = (acc.Sum + v.Value * weight, acc.Count + weight);
                }
            }
        }
        return new ResourceSeries(resourceId, q.Interval, sums.ToDictionary(kv => kv.Key, kv => kv.Value.Select(b =>
            new SeriesPoint(new DateTime(b.Key, DateTimeKind.Utc).ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture),
                Math.Round(b.Value.Sum / b.Value.Count, 4))).ToList()));
    }

    private static DateTimeOffset? Time(string? value, string field)
    {
        if (string.IsNullOrEmpty(value)) return null;
        if (!DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var t))
            throw FleetException.Validation(field, $"{field} must be an ISO 8601 time");
        return t;
    }
}
