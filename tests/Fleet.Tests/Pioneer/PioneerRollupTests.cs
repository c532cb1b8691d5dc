using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using Fleet.Core.Pioneer;
using Fleet.Core.Platform.Storage;
using Fleet.Functions.Platform.Auth;
using Fleet.Tests.Support;

namespace Fleet.Tests.Pioneer;

/// <summary>
/// The hourly rollups the sampler keeps up to date: a <c>1h</c> read of whole hours comes from them (it still answers
/// after the hour's raw samples are gone) and equals the average of the raw points; a partial hour at the range's edge
/// averages its raw samples only; writing the same tick again counts it once.
/// </summary>
public sealed class PioneerRollupTests : IAsyncLifetime
{
    private FleetApp _app = null!;
    private readonly string _id = $"test:rollup:{Guid.NewGuid():N}";

    public async Task InitializeAsync() => _app = await FleetApp.StartAsync(new Dictionary<string, string?>
    {
        ["RateLimits__Scale"] = "100", ["Timers__PioneerSample__Disabled"] = "true", ["Timers__PioneerRetention__Disabled"] = "true",
    });

    public async Task DisposeAsync() => await _app.DisposeAsync();

    private static string T(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);

    private async Task<JsonNode> Series(DateTimeOffset start, DateTimeOffset end, string interval)
    {
        var viewer = await _app.LoginAsync(FleetRole.Viewer);
        var r = await viewer.GetAsync($"/api/pioneer/resources/{_id}/metrics?start_time={T(start)}&end_time={T(end)}&interval={interval}&metrics=cpu_usage,memory_usage");
        var text = await r.Content.ReadAsStringAsync();
        Assert.True(r.StatusCode == HttpStatusCode.OK, text);
        return JsonNode.Parse(text)!["metrics"]!;
    }

    private static List<(string At, double Value)> Points(JsonNode metrics, string name) =>
        metrics[name]!.AsArray().Select(p => ((string)p!["timestamp"]!, (double)p["value"]!)).ToList();

    [Fact]
    public async Task An_hourly_read_of_rolled_up_hours_equals_the_average_of_their_raw_points()
    {
        var series = _app.Services.GetRequiredService<MetricSeries>();
        // Three days back (inside the raw retention, so no host's sweep touches these), three whole hours.
        var h0 = new DateTimeOffset(DateTime.UtcNow.Date, TimeSpan.Zero).AddDays(-3).AddHours(5);
        var rnd = new Random(7);
        for (var h = 0; h < 3; h++)
            foreach (var minute in new[] { 0, 7, 19, 33, 48, 59 })
            {
                var at = h0.AddHours(h).AddMinutes(minute).AddSeconds(5);
                double? memory = minute == 33 ? null : rnd.Next(1, 1000) * 1024;
                await series.WriteAsync([Resource(Math.Round(rnd.NextDouble() * 100, 2), memory)], at, default);
            }
        // The same tick written again (a replayed activity): counted once.
        var replayed = h0.AddMinutes(7).AddSeconds(5);
        var raw = Points(await Series(h0, h0.AddHours(3), "1m"), "cpu_usage");
        var first = raw.Single(p => p.At == T(replayed.AddSeconds(-5))).Value;
        await series.WriteAsync([Resource(first, 512 * 1024)], replayed, default);
        raw = Points(await Series(h0, h0.AddHours(3), "1m"), "cpu_usage");
        var rawMemory = Points(await Series(h0, h0.AddHours(3), "1m"), "memory_usage");
        Assert.Equal(18, raw.Count);
        Assert.Equal(15, rawMemory.Count); // no memory at minute 33

        var hourly = await Series(h0, h0.AddHours(3), "1h");
        var expectedCpu = raw.GroupBy(p => p.At[..13]).Select(g => Math.Round(g.Average(p => p.Value), 4)).ToList();
        var expectedMemory = rawMemory.GroupBy(p => p.At[..13]).Select(g => Math.Round(g.Average(p => p.Value), 4)).ToList();
        Assert.Equal([T(h0), T(h0.AddHours(1)), T(h0.AddHours(2))], Points(hourly, "cpu_usage").Select(p => p.At));
        Assert.Equal(expectedCpu, Points(hourly, "cpu_usage").Select(p => p.Value));
        Assert.Equal(expectedMemory, Points(hourly, "memory_usage").Select(p => p.Value));

        // The rollup rows are there: one per hour, standing for its six samples.
        var storage = _app.Services.GetRequiredService<FleetStorage>();
        var rollups = storage.Table<MetricSample>(MetricSeries.HourlyTable);
        var rows = new List<MetricSample>();
        await foreach (var s in rollups.QueryAllAsync($"PartitionKey eq '{MetricSample.HourlyPartition(_id, h0)}'")) rows.Add(s);
        Assert.Equal([6, 6, 6], rows.Select(r => r.SampleCount ?? 0));
        Assert.Equal([6, 6, 6], rows.Select(r => r.CpuCount ?? 0));

        // Whole hours are read from the rollups: with the middle hour's raw samples gone, its hourly point is unchanged.
        var samples = storage.Table<MetricSample>(MetricSeries.Table);
        await foreach (var s in samples.QueryAllAsync($"PartitionKey eq '{MetricSample.Partition(_id, h0)}' and RowKey ge '{MetricSample.Row(h0.AddHours(1))}' and RowKey lt '{MetricSample.Row(h0.AddHours(2))}'"))
            await samples.DeleteAsync(s.PartitionKey, s.RowKey);
        Assert.Equal(expectedCpu, Points(await Series(h0, h0.AddHours(3), "1h"), "cpu_usage").Select(p => p.Value));

        // A range starting mid-hour: the first hour's point averages only the raw samples inside the range.
        var partial = Points(await Series(h0.AddMinutes(30), h0.AddHours(1), "1h"), "cpu_usage");
        var inside = raw.Where(p => string.CompareOrdinal(p.At, T(h0.AddMinutes(30))) >= 0 && string.CompareOrdinal(p.At, T(h0.AddHours(1))) < 0).ToList();
        Assert.Equal([(T(h0), Math.Round(inside.Average(p => p.Value), 4))], partial);
    }

    private PioneerResource Resource(double cpu, double? memory) =>
        new(_id, "rollup", "container", "running", new ResourceMetrics(cpu, memory, null), new ResourceCost(0, 0), new Dictionary<string, string>());
}
