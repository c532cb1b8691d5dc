using System.Diagnostics;
using Azure.Data.Tables;
using Fleet.Core.KubeEdge;
using Fleet.Core.Pioneer;
using Fleet.Core.Platform.Storage;
using Fleet.Functions;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Fleet.Benchmarks;

/// <summary>
/// CloudPioneer (issue 18): the inventory with 10,000 seeded resources (KubeEdge devices in the device table, plus
/// whatever the peers hold), applied to the inventory projection as a tick applies a source's read (timed), then read
/// page by page at per_page=100 sorted by name, p50/p95 page latency; and the series read of one resource over 30 days
/// at 1h, seeded as the sampler and retention leave it (7 days of raw samples a minute apart, an hourly rollup for every
/// hour of the 30 days).
/// Goals: ≤ 50 ms p50 a page, ≤ 200 ms the 30-day series. Arguments: [resources (10000)] [pages measured (100)].
/// Best on a storage account of its own (a fresh Azurite): other data there is read too.
/// </summary>
public sealed class PioneerBenchmark : IBenchmark
{
    public string Name => "pioneer";
    public string Description => "inventory of 10,000 resources paged at 100 (p50 page), 30-day series at 1h";

    public async Task<int> RunAsync(string[] args, CancellationToken ct)
    {
        var count = args.Length > 0 ? int.Parse(args[0]) : 10000;
        var pages = args.Length > 1 ? int.Parse(args[1]) : count / 100;
        var builder = FleetHost.CreateBuilder([], b => b.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Logging:LogLevel:Default"] = "Warning", ["Timers:PioneerSample:Disabled"] = "true", ["Timers:PioneerRetention:Disabled"] = "true",
        }));
        var app = FleetHost.Build(builder);
        var storage = app.Services.GetRequiredService<FleetStorage>();
        var inventory = app.Services.GetRequiredService<ResourceInventory>();
        var projection = app.Services.GetRequiredService<InventoryProjection>();
        var series = app.Services.GetRequiredService<MetricSeries>();
        var run = Guid.NewGuid().ToString("N")[..8];

        // Seed: devices in batches of 100 (one partition).
        var sw = Stopwatch.StartNew();
        await storage.EnsureTableAsync(DeviceService.Table, ct);
        var devices = storage.Tables.GetTableClient(DeviceService.Table);
        for (var i = 0; i < count; i += 100)
            await devices.SubmitTransactionAsync(Enumerable.Range(i, Math.Min(100, count - i)).Select(n => new TableTransactionAction(TableTransactionActionType.UpsertReplace,
                new DeviceEntity
                {
                    PartitionKey = $"bench-{run}", RowKey = $"bench-{run}-{n:D5}", NodeName = $"edge-{n % 50}", Model = "thermo", Protocol = "mqtt",
                    Namespace = "default", Status = n % 3 == 0 ? DeviceStatus.Offline : DeviceStatus.Online, CreatedAt = DateTimeOffset.UtcNow,
                })), ct);
        Console.WriteLine($"seeded {count} devices in {sw.Elapsed.TotalSeconds:0.0} s");
        sw.Restart();
        var applied = await projection.ApplyAsync(await inventory.ReadSourceAsync("kubeedge", ct), ct);
        var projectSeconds = sw.Elapsed.TotalSeconds;
        Console.WriteLine($"projection: {applied.Written} resources written to {InventoryIndex.All.Count} sorted copies in {projectSeconds:0.0} s");

        // Seed: one resource's 30 days as retention leaves them.
        var id = $"bench:{run}:series";
        var end = new DateTimeOffset(DateTime.UtcNow.Ticks / TimeSpan.TicksPerHour * TimeSpan.TicksPerHour, TimeSpan.Zero);
        var start = end.AddDays(-30);
        sw.Restart();
        await storage.EnsureTableAsync(MetricSeries.Table, ct);
        var rows = storage.Tables.GetTableClient(MetricSeries.Table);
        await storage.EnsureTableAsync(MetricSeries.HourlyTable, ct);
        var hourlyRows = storage.Tables.GetTableClient(MetricSeries.HourlyTable);
        var samples = new List<MetricSample>();
        var hourly = new List<MetricSample>();
        var rawFrom = end.AddDays(-7);
        for (var t = start; t < end; t = t.AddHours(1))
            hourly.Add(Hourly(id, t, rawFrom));
        for (var t = rawFrom; t < end; t = t.AddMinutes(1))
            samples.Add(Sample(id, t));
        foreach (var batch in samples.GroupBy(s => s.PartitionKey).SelectMany(g => g.Chunk(100)))
            await rows.SubmitTransactionAsync(batch.Select(s => new TableTransactionAction(TableTransactionActionType.UpsertReplace, s)), ct);
        foreach (var batch in hourly.GroupBy(s => s.PartitionKey).SelectMany(g => g.Chunk(100)))
            await hourlyRows.SubmitTransactionAsync(batch.Select(s => new TableTransactionAction(TableTransactionActionType.UpsertReplace, s)), ct);
        Console.WriteLine($"seeded {samples.Count} raw samples and {hourly.Count} hourly rollups in {sw.Elapsed.TotalSeconds:0.0} s");

        var total = (await inventory.ListAsync(ResourceQuery.Parse("1", "100", null, null, null), ct)).Total; // warm-up
        var pageMs = new List<double>();
        for (var p = 1; p <= pages; p++)
        {
            sw.Restart();
            var page = await inventory.ListAsync(ResourceQuery.Parse(p.ToString(), "100", "name", null, null), ct);
            pageMs.Add(sw.Elapsed.TotalMilliseconds);
            if (page.Items.Count == 0) break;
        }
        var seriesMs = new List<double>();
        var points = 0;
        for (var i = 0; i < 5; i++)
        {
            sw.Restart();
            var s = await series.ReadAsync(id, new MetricSeries.Request(start, end, "1h", MetricSeries.MetricNames), ct);
            seriesMs.Add(sw.Elapsed.TotalMilliseconds);
            points = s.Metrics["cpu_usage"].Count;
        }
        pageMs.Sort();
        seriesMs.Sort();
        double P(List<double> xs, double q) => xs[(int)Math.Min(xs.Count - 1, Math.Floor(q * xs.Count))];

        Console.WriteLine();
        Console.WriteLine("| measure | n | p50 ms | p95 ms | goal |");
        Console.WriteLine("|---|---:|---:|---:|---|");
        Console.WriteLine($"| inventory page (per_page=100, sort=name) of {total} resources | {pageMs.Count} | {P(pageMs, 0.5):0} | {P(pageMs, 0.95):0} | ≤ 50 ms p50 |");
        Console.WriteLine($"| 30-day series at 1h ({points} points from {hourly.Count} hourly rollups; {samples.Count} raw samples stored) | {seriesMs.Count} | {P(seriesMs, 0.5):0} | {P(seriesMs, 0.95):0} | ≤ 200 ms |");
        await BenchResults.WriteAsync(Name, new
        {
            resources = total, pages = pageMs.Count, page_p50_ms = P(pageMs, 0.5), page_p95_ms = P(pageMs, 0.95), projection_seconds = projectSeconds,
            series_raw_rows = samples.Count, series_hourly_rows = hourly.Count, series_points = points, series_p50_ms = P(seriesMs, 0.5),
        });

        foreach (var g in samples.GroupBy(s => s.PartitionKey).SelectMany(g => g.Chunk(100)))
            await rows.SubmitTransactionAsync(g.Select(s => new TableTransactionAction(TableTransactionActionType.Delete, s, Azure.ETag.All)), ct);
        foreach (var g in hourly.GroupBy(s => s.PartitionKey).SelectMany(g => g.Chunk(100)))
            await hourlyRows.SubmitTransactionAsync(g.Select(s => new TableTransactionAction(TableTransactionActionType.Delete, s, Azure.ETag.All)), ct);
        for (var i = 0; i < count; i += 100)
            await devices.SubmitTransactionAsync(Enumerable.Range(i, Math.Min(100, count - i)).Select(n => new TableTransactionAction(TableTransactionActionType.Delete,
                new TableEntity($"bench-{run}", $"bench-{run}-{n:D5}"), Azure.ETag.All)), ct);
        sw.Restart();
        var removed = await projection.ApplyAsync(await inventory.ReadSourceAsync("kubeedge", ct), ct);
        Console.WriteLine($"projection: {removed.Removed} resources removed from every sorted copy in {sw.Elapsed.TotalSeconds:0.0} s");
        return 0;
    }

    private static MetricSample Sample(string id, DateTimeOffset at) => new()
    {
        PartitionKey = MetricSample.Partition(id, at), RowKey = MetricSample.Row(at), ResourceId = id, SampledAt = at,
        CpuUsage = 20 + at.Minute % 10, MemoryUsage = 1e8 + at.Hour * 1e6,
    };

    /// <summary>An hour's rollup as the sampler leaves it (sixty samples a minute apart), sealed when retention has swept its raw samples.</summary>
    private static MetricSample Hourly(string id, DateTimeOffset hour, DateTimeOffset rawFrom) => new()
    {
        PartitionKey = MetricSample.HourlyPartition(id, hour), RowKey = MetricSample.Row(hour), ResourceId = id, SampledAt = hour,
        CpuUsage = 24.5, CpuCount = 60, MemoryUsage = 1e8 + hour.Hour * 1e6, MemoryCount = 60, DiskCount = 0,
        Rollup = true, SampleCount = 60, Sealed = hour < rawFrom ? true : null,
    };
}
