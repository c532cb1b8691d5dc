using System.Net;
using System.Text.Json.Nodes;
using Fleet.Functions.Platform.Auth;
using Fleet.Tests.Support;

namespace Fleet.Tests.Identity;

/// <summary>Acceptance: each family's limit from its seed, the X-RateLimit-* headers on every response, and 429 + Retry-After in the family's envelope.</summary>
public sealed class RateLimitTests : IAsyncLifetime
{
    private FleetApp _app = null!;

    public async Task InitializeAsync() => _app = await FleetApp.StartAsync(mapExtra: app =>
    {
        foreach (var path in new[] { "/api/kubeedge/_rl", "/api/kubilitics/_rl", "/api/snap/_rl", "/api/homei/v1/update/_rl", "/api/pioneer/_rl" })
            app.MapGet(path, () => Results.Json(new { ok = true })).Anonymous();
        app.MapPost("/api/kubilitics/v1/clusters/{clusterId}/shell", () => Results.Json(new { ok = true })).Anonymous();
    });

    public async Task DisposeAsync() => await _app.DisposeAsync();

    public static TheoryData<string, string, int> Limits => new()
    {
        { "GET", "/api/kubeedge/_rl", 100 },
        { "GET", "/api/kubilitics/_rl", 120 },
        { "POST", "/api/kubilitics/v1/clusters/c1/shell", 10 },
        { "GET", "/api/snap/_rl", 100 },
        { "GET", "/api/homei/v1/update/_rl", 5 },
        { "GET", "/api/pioneer/_rl", 1000 },
    };

    [Theory, MemberData(nameof(Limits))]
    public async Task The_request_after_the_limit_is_429_with_headers_in_the_family_envelope(string method, string path, int limit)
    {
        for (var i = 0; i < limit; i++)
        {
            var ok = await _app.Client.SendAsync(new HttpRequestMessage(new HttpMethod(method), path));
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
            Assert.Equal(limit.ToString(), ok.Headers.GetValues("X-RateLimit-Limit").Single());
            Assert.Equal((limit - i - 1).ToString(), ok.Headers.GetValues("X-RateLimit-Remaining").Single());
            Assert.True(long.Parse(ok.Headers.GetValues("X-RateLimit-Reset").Single()) > DateTimeOffset.UtcNow.ToUnixTimeSeconds());
        }
        var r = await _app.Client.SendAsync(new HttpRequestMessage(new HttpMethod(method), path));
        Assert.Equal(HttpStatusCode.TooManyRequests, r.StatusCode);
        Assert.True(r.Headers.RetryAfter?.Delta?.TotalSeconds > 0);
        Assert.Equal("0", r.Headers.GetValues("X-RateLimit-Remaining").Single());
        Assert.Equal(limit.ToString(), r.Headers.GetValues("X-RateLimit-Limit").Single());
        var body = JsonNode.Parse(await r.Content.ReadAsStringAsync())!;
        switch (path.Split('/')[2])
        {
            case "kubilitics": Assert.StartsWith("Rate limit exceeded. Please retry after", (string?)body["error"]); break;
            case "snap": Assert.Equal("RATE_LIMIT_EXCEEDED", (string?)body["code"]); Assert.False((bool)body["success"]!); break;
            case "kubeedge": Assert.Equal("API-006", (string?)body["error"]!["code"]); break;
            default: Assert.Equal("RATE_LIMIT_EXCEEDED", (string?)body["error"]!["code"]); break;
        }
    }

    [Fact]
    public async Task Snap_counts_authenticated_users_against_1000_per_hour_admission_calls_apart_and_health_is_exempt()
    {
        var viewer = await _app.LoginAsync(FleetRole.Viewer);
        var r = await viewer.GetAsync("/api/snap/_rl");
        Assert.Equal("1000", r.Headers.GetValues("X-RateLimit-Limit").Single());
        // The API server's calls to a SnapHook's admission route are anonymous too, but per pod created: a tier of their own.
        var admit = await _app.Client.PostAsync("/api/snap/snaphook/any-hook/admit", new StringContent("{}", System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal("600", admit.Headers.GetValues("X-RateLimit-Limit").Single());
        Assert.Equal("100", (await _app.Client.GetAsync("/api/snap/_rl")).Headers.GetValues("X-RateLimit-Limit").Single());
        var health = await _app.Client.GetAsync("/api/kubilitics/health");
        Assert.False(health.Headers.Contains("X-RateLimit-Limit"));
    }
}
