using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using Fleet.Core.Pioneer;
using Fleet.Core.Platform.Storage;
using Fleet.Functions.Platform.Auth;
using Fleet.Tests.Support;

namespace Fleet.Tests.Pioneer;

/// <summary>
/// The series' retention sweep over samples written in the past (relative to a sweep time 20 days back, so that the
/// hourly sweeps of other test hosts, which use the real time, never decide differently), and the sample interval
/// setting turned into the sampler timer's schedule.
/// </summary>
public sealed class PioneerRetentionTests : IAsyncLifetime
{
    private FleetApp _app = null!;
    private readonly string _id = $"test:retention:{Guid.NewGuid():N}";

    public async Task InitializeAsync() => _app = await FleetApp.StartAsync(new Dictionary<string, string?>
    {
        ["RateLimits__Scale"] = "100", ["Pioneer__SampleInterval"] = "00:05:00", ["Timers__PioneerRetention__Disabled"] = "true",
    });

    public async Task DisposeAsync() => await _app.DisposeAsync();

    private static PioneerResource At(string id, double cpu, double memory) =>
        new(id, "retention", "container", "running", new ResourceMetrics(cpu, memory, null), new ResourceCost(0, 0), new Dictionary<string, string>());

    private async Task<JsonNode> Series(DateTimeOffset start, DateTimeOffset end, string interval)
    {
        var viewer = await _app.LoginAsync(FleetRole.Viewer);
        string T(DateTimeOffset t) => Uri.EscapeDataString(t.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture));
        var r = await viewer.GetAsync($"/api/pioneer/resources/{_id}/metrics?start_time={T(start)}&end_time={T(end)}&interval={interval}&metrics=cpu_usage,memory_usage");
        var text = await r.Content.ReadAsStringAsync();
        Assert.True(r.StatusCode == HttpStatusCode.OK, text);
        return JsonNode.Parse(text)!["metrics"]!;
    }

    [Fact]
    public async Task The_sweep_rolls_old_raw_samples_up_to_hourly_and_deletes_expired_ones()
    {
        var series = _app.Services.GetRequiredService<MetricSeries>();
        var now = new DateTimeOffset(DateTime.UtcNow.Date, TimeSpan.Zero).AddDays(-20).AddHours(12);
        var old = now.AddDays(-10).AddHours(-3);          // past RawRetentionDays (7): rolled up
        var hour = new DateTimeOffset(old.UtcTicks / TimeSpan.TicksPerHour * TimeSpan.TicksPerHour, TimeSpan.Zero);
        var recent = now.AddDays(-1);                      // kept raw
        var expired = now.AddDays(-100);                   // past RetentionDays (90): deleted
        await series.WriteAsync([At(_id, 10, 100)], hour.AddMinutes(10), default);
        await series.WriteAsync([At(_id, 20, 200)], hour.AddMinutes(20), default);
        await series.WriteAsync([At(_id, 60, 600)], hour.AddMinutes(40), default);
        await series.WriteAsync([At(_id, 5, 50)], hour.AddHours(1).AddMinutes(5), default); // the next hour: its own average
        await series.WriteAsync([At(_id, 7, 70)], recent, default);
        await series.WriteAsync([At(_id, 9, 90)], expired, default);

        var retention = _app.Services.GetRequiredService<MetricRetention>();
        await retention.SweepAsync(now, default);
        await retention.SweepAsync(now, default); // a rerun changes nothing

        var minute = await Series(hour, hour.AddHours(2), "1m");
        var stamp = hour.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);
        var next = hour.AddHours(1).UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);
        Assert.Equal([stamp, next], minute["cpu_usage"]!.AsArray().Select(p => (string)p!["timestamp"]!));   // one row per hour, at its start
        Assert.Equal([30.0, 5.0], minute["cpu_usage"]!.AsArray().Select(p => (double)p!["value"]!));
        Assert.Equal([300.0, 50.0], minute["memory_usage"]!.AsArray().Select(p => (double)p!["value"]!));
        // A day's average weighs the hourly row by the three samples it stands for: (10 + 20 + 60 + 5) / 4.
        var day = await Series(hour.AddHours(-hour.Hour), hour.AddHours(-hour.Hour).AddDays(1), "1d");
        Assert.Equal(23.75, (double)Assert.Single(day["cpu_usage"]!.AsArray())!["value"]!, 4);

        var kept = await Series(recent.AddMinutes(-1), recent.AddMinutes(1), "1m");
        Assert.Equal(7.0, (double)Assert.Single(kept["cpu_usage"]!.AsArray())!["value"]!);

        var rows = _app.Services.GetRequiredService<FleetStorage>().Table<MetricSample>(MetricSeries.Table);
        var left = new List<MetricSample>();
        await foreach (var s in rows.QueryAllAsync($"PartitionKey eq '{MetricSample.Partition(_id, expired)}'")) left.Add(s);
        Assert.Empty(left);
    }

    [Fact]
    public async Task The_sample_interval_setting_is_the_sampler_timers_schedule()
    {
        var admin = await _app.LoginAsync(FleetRole.Admin);
        var timers = JsonNode.Parse(await admin.GetStringAsync("/api/timers"))!["timers"]!.AsArray();
        Assert.Equal("0 */5 * * * *", (string?)timers.Single(t => (string?)t!["name"] == "PioneerSample")!["schedule"]);
        Assert.Equal("*/30 * * * * *", Fleet.Functions.Pioneer.PioneerSampleTimer.ScheduleFor(TimeSpan.FromSeconds(30)));
        Assert.Equal("0 */1 * * * *", Fleet.Functions.Pioneer.PioneerSampleTimer.ScheduleFor(TimeSpan.FromMinutes(1)));
        Assert.Throws<InvalidOperationException>(() => Fleet.Functions.Pioneer.PioneerSampleTimer.ScheduleFor(TimeSpan.FromSeconds(7 * 60)));
    }
}
