using System.Text.RegularExpressions;
using Fleet.Tests.Support;

namespace Fleet.Tests.Platform;

public sealed class MetricsAndCorrelationTests : IAsyncLifetime
{
    private FleetApp _app = null!;
    public async Task InitializeAsync() => _app = await FleetApp.StartAsync();
    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task Metrics_count_requests_by_route_template_not_raw_path()
    {
        await _app.Client.GetAsync("/api/homei/openapi.json");
        await _app.Client.GetAsync("/api/homei/health");
        var text = await _app.Client.GetStringAsync("/metrics");
        Assert.Matches(new Regex("""http_requests_total\{method="GET",endpoint="/api/\{documentName\}/openapi.json",status="200"\} \d+"""), text);
        Assert.Matches(new Regex("""http_requests_total\{method="GET",endpoint="/api/homei/health",status="200"\} \d+"""), text);
        Assert.DoesNotContain("endpoint=\"/api/homei/openapi.json\"", text);
        Assert.Contains("http_request_duration_seconds_bucket{method=\"GET\",endpoint=\"/api/homei/health\"", text);
        Assert.Contains("process_cpu_seconds_total", text);
    }

    [Fact]
    public async Task Errors_are_counted()
    {
        await _app.Client.GetAsync("/api/pioneer/none");
        var text = await _app.Client.GetStringAsync("/metrics");
        Assert.Matches(new Regex("""http_requests_errors_total\{method="GET",endpoint="unmatched",status="404"\} \d+"""), text);
    }

    [Fact]
    public async Task Request_id_is_echoed_or_generated_and_trace_id_is_w3c()
    {
        var req = new HttpRequestMessage(HttpMethod.Get, "/api/health");
        req.Headers.Add("X-Request-ID", "abc-123");
        var r = await _app.Client.SendAsync(req);
        Assert.Equal("abc-123", r.Headers.GetValues("X-Request-ID").Single());
        Assert.Matches("^[0-9a-f]{32}$", r.Headers.GetValues("X-Trace-ID").Single());

        var r2 = await _app.Client.GetAsync("/api/health");
        Assert.StartsWith("req_", r2.Headers.GetValues("X-Request-ID").Single());

        // A header that could inject into logs is replaced, not echoed.
        var bad = new HttpRequestMessage(HttpMethod.Get, "/api/health");
        bad.Headers.TryAddWithoutValidation("X-Request-ID", "x y<script>");
        var r3 = await _app.Client.SendAsync(bad);
        Assert.StartsWith("req_", r3.Headers.GetValues("X-Request-ID").Single());
    }

    [Fact]
    public async Task W3c_traceparent_is_continued()
    {
        var req = new HttpRequestMessage(HttpMethod.Get, "/api/health");
        req.Headers.Add("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
        var r = await _app.Client.SendAsync(req);
        Assert.Equal("4bf92f3577b34da6a3ce929d0e0e4736", r.Headers.GetValues("X-Trace-ID").Single());
    }
}
