using System.Globalization;
using Fleet.Core.Platform.Errors;
using Fleet.Core.Platform.Storage;

namespace Fleet.Core.Pioneer;

public sealed record SeriesPoint(string Timestamp, double Value);
public sealed record ResourceSeries(string ResourceId, string Interval, IReadOnlyDictionary<string, List<SeriesPoint>> Metrics);

/// <summary>
/// CloudPioneer's metric series in Table storage: samples written by the sampler, read back as averages over buckets
/// aligned to the interval (<c>1m</c>, <c>5m</c>, <c>1h</c>, <c>1d</c>) from <c>start_time</c> (inclusive) to <c>end_time</c> (exclusive).
/// Every sample written also recomputes its hour's rollup (table <c>pioneerMetricsHourly</c>, one row per resource and
/// hour, partition per resource and month) from that hour's raw samples, so an <c>1h</c> or <c>1d</c> read takes whole
/// hours from the rollups (about 720 rows for 30 days) and only the partial hours at its ends from raw samples.
/// <c>1m</c> and <c>5m</c> read raw samples, and the rollup of a whole hour whose raw samples the retention sweep removed.
/// </summary>
public sealed class MetricSeries(FleetStorage storage)
{
    public const string Table = "pioneerMetrics";
    public const string HourlyTable = "pioneerMetricsHourly";
    public static readonly string[] MetricNames = ["cpu_usage", "memory_usage", "disk_usage"];
    public static readonly IReadOnlyDictionary<string, TimeSpan> Intervals = new Dictionary<string, TimeSpan>
    {
        ["1m"] = TimeSpan.FromMinutes(1), ["5m"] = TimeSpan.FromMinutes(5), ["1h"] = TimeSpan.FromHours(1), ["1d"] = TimeSpan.FromDays(1),
    };
    public const int MaxDays = 92;
    private const int Parallelism = 8;

    private TableStore<MetricSample> Rows => storage.Table<MetricSample>(Table);
    private TableStore<MetricSample> Hourly => storage.Table<MetricSample>(HourlyTable);

    private Task EnsureAsync(CancellationToken ct) => Task.WhenAll(storage.EnsureTableAsync(Table, ct), storage.EnsureTableAsync(HourlyTable, ct));

    /// <summary>
    /// Writes one sample per resource that has any usage and recomputes the hour's rollup; a repeated tick at the same
    /// instant overwrites the same sample and recomputes the same rollup (idempotent).
    /// </summary>
    public async Task<int> WriteAsync(IEnumerable<PioneerResource> resources, DateTimeOffset at, CancellationToken ct)
    {
        await EnsureAsync(ct);
        var measured = resources.Where(r => r.Metrics.CpuUsage is not null || r.Metrics.MemoryUsage is not null || r.Metrics.DiskUsage is not null)
            .DistinctBy(r => r.Id).ToList();
        await Parallel.ForEachAsync(measured, new ParallelOptions { MaxDegreeOfParallelism = Parallelism, CancellationToken = ct }, async (r, t) =>
        {
            var sample = new MetricSample
            {
                PartitionKey = MetricSample.Partition(r.Id, at), RowKey = MetricSample.Row(at), ResourceId = r.Id, SampledAt = at,
                CpuUsage = r.Metrics.CpuUsage, MemoryUsage = r.Metrics.MemoryUsage, DiskUsage = r.Metrics.DiskUsage,
            };
            await Rows.UpsertAsync(sample, t);
            await RollUpAsync(sample, t);
        });
        return measured.Count;
    }

    /// <summary>
    /// The hour's rollup recomputed from the hour's raw samples, written only if the row is still what was read (ETag),
    /// otherwise read again: two hosts writing samples of one hour at once both end up counted. A sealed hour (its raw
    /// samples swept) gets the sample added to its average instead.
    /// </summary>
    private async Task RollUpAsync(MetricSample sample, CancellationToken ct)
    {
        var hour = MetricSample.Hour(sample.SampledAt);
        var partition = MetricSample.HourlyPartition(sample.ResourceId, hour);
        var key = MetricSample.Row(hour);
        for (var attempt = 0; ; attempt++)
        {
            var current = await Hourly.GetAsync(partition, key, ct);
            MetricSample rollup;
            if (current?.Sealed == true) rollup = Add(current, sample);
            else
            {
                var raw = new List<MetricSample>();
                await foreach (var s in Rows.QueryAllAsync($"PartitionKey eq '{Q(MetricSample.Partition(sample.ResourceId, hour))}'"
                                                           + $" and RowKey ge '{key}' and RowKey lt '{MetricSample.Row(hour.AddHours(1))}'", ct))
                    raw.Add(s);
                rollup = Average(sample.ResourceId, hour, raw);
            }
            rollup.PartitionKey = partition;
            rollup.RowKey = key;
            try
            {
                if (current is null) await Hourly.AddAsync(rollup, ct: ct);
                else
                {
                    rollup.ETag = current.ETag;
                    await Hourly.UpdateAsync(rollup, ct);
                }
                return;
            }
            catch (FleetException e) when (e.Kind is FleetErrorKind.Conflict or FleetErrorKind.NotFound && attempt < 5) { }
        }
    }

    /// <summary>One hourly row from samples of that hour (raw ones, or rollups that stand for several).</summary>
    public static MetricSample Average(string resourceId, DateTimeOffset hour, IReadOnlyCollection<MetricSample> samples)
    {
        (double? Avg, int Count) Of(Func<MetricSample, double?> value, Func<MetricSample, int?> count)
        {
            double sum = 0;
            var n = 0;
            foreach (var s in samples)
                if (value(s) is { } v)
                {
                    var w = count(s) ?? s.SampleCount ?? 1;
                    sum += v * w;
                    n += w;
                }
            return n == 0 ? (null, 0) : (sum / n, n);
        }
        var cpu = Of(s => s.CpuUsage, s => s.CpuCount);
        var mem = Of(s => s.MemoryUsage, s => s.MemoryCount);
        var disk = Of(s => s.DiskUsage, s => s.DiskCount);
        return new MetricSample
        {
            ResourceId = resourceId, SampledAt = hour, Rollup = true, SampleCount = samples.Sum(s => s.SampleCount ?? 1),
            CpuUsage = cpu.Avg, CpuCount = cpu.Count, MemoryUsage = mem.Avg, MemoryCount = mem.Count, DiskUsage = disk.Avg, DiskCount = disk.Count,
        };
    }

    private static MetricSample Add(MetricSample rollup, MetricSample sample)
    {
        var sum = Average(rollup.ResourceId, rollup.SampledAt, [rollup, sample]);
        sum.Sealed = true;
        return sum;
    }

    private static string Q(string value) => value.Replace("'", "''");

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
        await EnsureAsync(ct);
        var width = Intervals[q.Interval].Ticks;
        var sums = q.Metrics.ToDictionary(m => m, _ => new SortedDictionary<long, (double Sum, int Count)>());
        void Add(MetricSample s, long bucketOf)
        {
            var bucket = bucketOf / width * width;
            foreach (var m in q.Metrics)
            {
                var (v, n) = m switch
                {
                    "cpu_usage" => (s.CpuUsage, s.CpuCount),
                    "memory_usage" => (s.MemoryUsage, s.MemoryCount),
                    _ => (s.DiskUsage, s.DiskCount),
                };
                if (v is null) continue;
                var weight = n ?? s.SampleCount ?? 1; // an hourly average counts for the samples it stands for
                var acc = sums[m].GetValueOrDefault(bucket);
                sums[m][bucket] = (acc.Sum + v.Value * weight, acc.Count + weight);
            }
        }

        // Whole hours inside the range.
        var fullFrom = MetricSample.Hour(q.Start) == q.Start ? q.Start : MetricSample.Hour(q.Start).AddHours(1);
        var fullTo = MetricSample.Hour(q.End);
        if (q.Interval is "1h" or "1d" && fullFrom < fullTo)
        {
            var raw = await Task.WhenAll(ReadRawAsync(resourceId, q.Start, fullFrom, ct), ReadRawAsync(resourceId, fullTo, q.End, ct));
            foreach (var s in raw.SelectMany(r => r)) Add(s, s.SampledAt.UtcTicks);
            foreach (var h in await ReadHourlyAsync(resourceId, fullFrom, fullTo, ct)) Add(h, h.SampledAt.UtcTicks);
        }
        else
        {
            var raw = await ReadRawAsync(resourceId, q.Start, q.End, ct);
            var hoursWithRaw = raw.Select(s => MetricSample.Hour(s.SampledAt)).ToHashSet();
            foreach (var s in raw) Add(s, s.SampledAt.UtcTicks);
            if (fullFrom < fullTo)
                foreach (var h in await ReadHourlyAsync(resourceId, fullFrom, fullTo, ct))
                    if (!hoursWithRaw.Contains(h.SampledAt)) Add(h, h.SampledAt.UtcTicks); // raw samples swept: the hour's average
        }
        return new ResourceSeries(resourceId, q.Interval, sums.ToDictionary(kv => kv.Key, kv => kv.Value.Select(b =>
            new SeriesPoint(new DateTime(b.Key, DateTimeKind.Utc).ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture),
                Math.Round(b.Value.Sum / b.Value.Count, 4))).ToList()));
    }

    /// <summary>Raw samples in [from, to): one partition scan per day, several days at once.</summary>
    private async Task<List<MetricSample>> ReadRawAsync(string resourceId, DateTimeOffset from, DateTimeOffset to, CancellationToken ct)
    {
        if (from >= to) return [];
        var days = new List<DateTime>();
        for (var day = from.UtcDateTime.Date; day < to.UtcDateTime; day = day.AddDays(1)) days.Add(day);
        var found = new System.Collections.Concurrent.ConcurrentBag<MetricSample>();
        await Parallel.ForEachAsync(days, new ParallelOptions { MaxDegreeOfParallelism = Parallelism, CancellationToken = ct }, async (day, t) =>
        {
            var filter = $"PartitionKey eq '{Q(MetricSample.Partition(resourceId, new DateTimeOffset(day, TimeSpan.Zero)))}'"
                         + $" and RowKey ge '{MetricSample.Row(from)}' and RowKey lt '{MetricSample.Row(to)}'";
            await foreach (var s in Rows.QueryAllAsync(filter, t)) found.Add(s);
        });
        return found.ToList();
    }

    /// <summary>Hourly rollups of the hours starting in [from, to): one partition scan per month, the months at once.</summary>
    private async Task<List<MetricSample>> ReadHourlyAsync(string resourceId, DateTimeOffset from, DateTimeOffset to, CancellationToken ct)
    {
        var months = new List<DateTimeOffset>();
        for (var m = new DateTimeOffset(from.Year, from.Month, 1, 0, 0, 0, TimeSpan.Zero); m < to; m = m.AddMonths(1)) months.Add(m);
        var parts = await Task.WhenAll(months.Select(async month =>
        {
            var list = new List<MetricSample>();
            var filter = $"PartitionKey eq '{Q(MetricSample.HourlyPartition(resourceId, month))}'"
                         + $" and RowKey ge '{MetricSample.Row(from)}' and RowKey lt '{MetricSample.Row(to)}'";
            await foreach (var s in Hourly.QueryAllAsync(filter, ct)) list.Add(s);
            return list;
        }));
        return parts.SelectMany(p => p).ToList();
    }

    private static DateTimeOffset? Time(string? value, string field)
    {
        if (string.IsNullOrEmpty(value)) return null;
        if (!DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var t))
            throw FleetException.Validation(field, $"{field} must be an ISO 8601 time");
        return t;
    }
}
