using System.Net;
using System.Text.Json.Nodes;
using Fleet.Functions.Platform.Auth;
using Fleet.Tests.Support;

namespace Fleet.Tests.Pioneer;

/// <summary>CloudPioneer's GET /system/metrics against this machine's /proc and root filesystem.</summary>
public sealed class PioneerSystemMetricsTests : IAsyncLifetime
{
    private FleetApp _app = null!;
    public async Task InitializeAsync() => _app = await FleetApp.StartAsync(new Dictionary<string, string?> { ["RateLimits__Scale"] = "100" });
    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task System_metrics_are_plausible_and_self_consistent()
    {
        var viewer = await _app.LoginAsync(FleetRole.Viewer);
        var r = await viewer.GetAsync("/api/pioneer/system/metrics");
        var text = await r.Content.ReadAsStringAsync();
        Assert.True(r.StatusCode == HttpStatusCode.OK, text);
        var m = JsonNode.Parse(text)!;

        var cpu = (double)m["cpu"]!["usage_percent"]!;
        Assert.InRange(cpu, 0, 100);
        var load = m["cpu"]!["load_average"]!.AsArray().Select(x => (double)x!).ToArray();
        Assert.Equal(3, load.Length);
        Assert.All(load, l => Assert.True(l >= 0));
        var procLoad = File.ReadAllText("/proc/loadavg").Split(' ').Take(3).Select(s => double.Parse(s, System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        Assert.Equal(procLoad[2], load[2], 1.0); // the 15-minute average barely moves between the two reads

        var memTotal = File.ReadLines("/proc/meminfo").First(l => l.StartsWith("MemTotal:")).Split(' ', StringSplitOptions.RemoveEmptyEntries)[1];
        Assert.Equal(long.Parse(memTotal) * 1024, (long)m["memory"]!["total"]!);
        var drive = new DriveInfo("/");
        Assert.Equal(drive.TotalSize, (long)m["disk"]!["total"]!);
        foreach (var part in new[] { "memory", "disk" })
        {
            var p = m[part]!;
            long total = (long)p["total"]!, used = (long)p["used"]!, free = (long)p["free"]!;
            Assert.True(total > 0 && used >= 0 && free >= 0, part);
            Assert.Equal(total, used + free);
            Assert.Equal(Math.Round(used * 100.0 / total, 1), (double)p["usage_percent"]!, 1);
        }
    }

    [Fact]
    public async Task System_metrics_need_a_credential_and_answer_in_the_pioneer_envelope()
    {
        var r = await _app.Client.GetAsync("/api/pioneer/system/metrics");
        Assert.Equal(HttpStatusCode.Unauthorized, r.StatusCode);
        var e = JsonNode.Parse(await r.Content.ReadAsStringAsync())!;
        Assert.Equal("UNAUTHORIZED", (string?)e["error"]!["code"]);
        Assert.NotNull(e["request_id"]);
    }

    [Fact]
    public async Task Prometheus_metrics_under_pioneer_carry_the_seed_names_by_route_template()
    {
        var viewer = await _app.LoginAsync(FleetRole.Viewer);
        Assert.Equal(HttpStatusCode.OK, (await viewer.GetAsync("/api/pioneer/system/metrics")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await viewer.GetAsync("/api/pioneer/resources?filter=colour:red")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await _app.Client.GetAsync("/api/pioneer/metrics")).StatusCode);
        var r = await viewer.GetAsync("/api/pioneer/metrics");
        Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        Assert.StartsWith("text/plain", r.Content.Headers.ContentType!.ToString());
        var text = await r.Content.ReadAsStringAsync();
        Assert.Matches(new System.Text.RegularExpressions.Regex("""http_requests_total\{method="GET",endpoint="/api/pioneer/system/metrics",status="200"\} [1-9]"""), text);
        Assert.Contains("http_request_duration_seconds_bucket{method=\"GET\",endpoint=\"/api/pioneer/system/metrics\"", text);
        Assert.Matches(new System.Text.RegularExpressions.Regex("""http_requests_errors_total\{method="GET",endpoint="/api/pioneer/resources",status="400"\} [1-9]"""), text);
    }
}
