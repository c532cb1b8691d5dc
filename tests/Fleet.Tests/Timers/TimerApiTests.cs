using System.Collections.Concurrent;
using System.Text.Json;
using Fleet.Core.Platform.Timers;
using Fleet.Functions.Platform.Auth;
using Fleet.Tests.Support;

namespace Fleet.Tests.Timers;

[Collection(TimingCollection.Name)]
public sealed class TimerApiTests
{
    [Fact]
    public async Task A_throwing_timer_keeps_its_schedule_and_shows_the_error_in_GET_timers()
    {
        var failing = TimerTests.UniqueName("fails");
        var disabled = TimerTests.UniqueName("off");
        var runs = new ConcurrentBag<TimerRun>();
        var offRuns = new ConcurrentBag<TimerRun>();
        await using var app = await FleetApp.StartAsync(
            settings: new Dictionary<string, string?> { [$"Timers__{disabled}__Disabled"] = "true" },
            configure: b =>
            {
                b.Services.AddTimerFunction(_ => new RecordingTimer(failing, "* * * * * *", "a", runs, new InvalidOperationException("cluster poll exploded")));
                b.Services.AddTimerFunction(_ => new RecordingTimer(disabled, "* * * * * *", "a", offRuns));
            });

        // Every second it throws, and every next second it runs again.
        await TimerTests.Eventually(() => runs.Count >= 3, TimeSpan.FromSeconds(45), "three failing runs");
        var ticks = runs.Select(r => r.ScheduledTime).OrderBy(t => t).ToList();
        Assert.Equal(ticks.Count, ticks.Distinct().Count());

        JsonElement timer = default;
        await TimerTests.EventuallyAsync(async () =>
        {
            timer = await GetTimerAsync(app, failing);
            return timer.GetProperty("failures").GetInt64() >= 2;
        }, TimeSpan.FromSeconds(10), "failures recorded");
        Assert.Equal("* * * * * *", timer.GetProperty("schedule").GetString());
        Assert.False(timer.GetProperty("disabled").GetBoolean());
        Assert.Equal("InvalidOperationException: cluster poll exploded", timer.GetProperty("last_error").GetString());
        Assert.False(timer.GetProperty("last_succeeded").GetBoolean());
        Assert.True(timer.GetProperty("last_duration_ms").GetInt64() >= 0);
        var lastRun = timer.GetProperty("last_run").GetDateTimeOffset();
        // The next tick stays scheduled (one second later, or the first after a late run).
        Assert.True(timer.GetProperty("next_run").GetDateTimeOffset() > lastRun);
        Assert.True(timer.GetProperty("runs").GetInt64() >= 2);

        var off = await GetTimerAsync(app, disabled);
        Assert.True(off.GetProperty("disabled").GetBoolean());
        Assert.Equal(JsonValueKind.Null, off.GetProperty("last_run").ValueKind);
        Assert.Empty(offRuns);

        var metrics = await app.Client.GetStringAsync("/metrics");
        Assert.Contains($"fleet_timer_failures_total{{timer=\"{failing}\"}}", metrics);
        Assert.Contains($"fleet_timer_runs_total{{timer=\"{failing}\"}}", metrics);
        Assert.Contains($"fleet_timer_duration_seconds_count{{timer=\"{failing}\"}}", metrics);
    }

    [Fact]
    public async Task GET_timers_is_declared_admin_only_and_lists_the_platform_sweeps()
    {
        await using var app = await FleetApp.StartAsync();
        var endpoint = app.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Single(e => e.RoutePattern.RawText == "/api/timers");
        Assert.Equal(FleetRole.Admin, endpoint.Metadata.GetMetadata<RequiredRole>()!.Role);
        Assert.Equal(System.Net.HttpStatusCode.Unauthorized, (await app.Client.GetAsync("/api/timers")).StatusCode);
        Assert.Equal(System.Net.HttpStatusCode.Forbidden, (await (await app.LoginAsync(FleetRole.Operator)).GetAsync("/api/timers")).StatusCode);

        var purge = await GetTimerAsync(app, "DurableHistoryPurge");
        Assert.Equal("0 0 3 * * *", purge.GetProperty("schedule").GetString());
        var audit = await GetTimerAsync(app, "AuditLogRetention");
        Assert.Equal("0 30 3 * * *", audit.GetProperty("schedule").GetString());
    }

    private static async Task<JsonElement> GetTimerAsync(FleetApp app, string name)
    {
        var admin = await app.LoginAsync(FleetRole.Admin);
        var response = await admin.GetAsync("/api/timers");
        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return doc.RootElement.GetProperty("timers").EnumerateArray().Single(t => t.GetProperty("name").GetString() == name).Clone();
    }
}
