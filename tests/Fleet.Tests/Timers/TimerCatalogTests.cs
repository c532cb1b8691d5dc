using System.Collections.Concurrent;
using System.Text;
using Fleet.Core.Platform.Timers;

namespace Fleet.Tests.Timers;

public sealed class TimerCatalogTests
{
    private static TimerCatalog Catalog(string? hostJson, Dictionary<string, string?> settings, params ITimerFunction[] timers)
    {
        var b = new ConfigurationBuilder();
        if (hostJson is not null) b.AddJsonStream(new MemoryStream(Encoding.UTF8.GetBytes(hostJson)));
        // Environment variables reach configuration with "__" turned into ":", as here.
        b.AddInMemoryCollection(settings.ToDictionary(kv => kv.Key.Replace("__", ":"), kv => kv.Value));
        return new TimerCatalog(timers, b.Build());
    }

    private static ITimerFunction Timer(string name, string schedule = "0 */5 * * * *") =>
        new RecordingTimer(name, schedule, "h", new ConcurrentBag<TimerRun>());

    [Fact]
    public void Defaults_apply_without_configuration()
    {
        var t = Assert.Single(Catalog(null, [], Timer("Poll")).Timers);
        Assert.Equal("0 */5 * * * *", t.Schedule);
        Assert.False(t.Disabled);
        Assert.False(t.RunOnStartup);
        var at = new DateTimeOffset(2026, 1, 1, 10, 3, 7, TimeSpan.Zero);
        Assert.Equal(new DateTimeOffset(2026, 1, 1, 10, 5, 0, TimeSpan.Zero), t.NextAfter(at));
        // 09:55 and 10:00 were both missed since 09:51:07; only the latest is due.
        Assert.Equal(new DateTimeOffset(2026, 1, 1, 10, 0, 0, TimeSpan.Zero), t.LatestBetween(at.AddMinutes(-12), at));
        Assert.Null(t.LatestBetween(at.AddMinutes(-2), at));
    }

    [Fact]
    public void Host_json_timers_section_overrides_defaults_and_app_settings_override_host_json()
    {
        const string hostJson = """{ "timers": { "Poll": { "schedule": "*/10 * * * * *", "runOnStartup": true }, "Other": { "disabled": true } } }""";
        var catalog = Catalog(hostJson, new() { ["Timers__Poll__Schedule"] = "0 0 * * * *" }, Timer("Poll"), Timer("Other"));
        var poll = catalog.Timers.Single(t => t.Name == "Poll");
        Assert.Equal("0 0 * * * *", poll.Schedule);
        Assert.True(poll.RunOnStartup);
        Assert.True(catalog.Timers.Single(t => t.Name == "Other").Disabled);
    }

    [Theory]
    [InlineData("*/5 * * * *")]
    [InlineData("every minute")]
    public void A_bad_schedule_fails_at_start_naming_the_key(string schedule)
    {
        var e = Assert.Throws<InvalidOperationException>(() => Catalog(null, new() { ["Timers__Poll__Schedule"] = schedule }, Timer("Poll")));
        Assert.Contains("Timers:Poll:Schedule", e.Message);
    }

    [Fact]
    public void Bad_names_and_duplicates_fail_at_start()
    {
        Assert.Throws<InvalidOperationException>(() => Catalog(null, [], Timer("bad/name")));
        Assert.Throws<InvalidOperationException>(() => Catalog(null, [], Timer("Poll"), Timer("poll")));
        Assert.Throws<InvalidOperationException>(() => Catalog(null, new() { ["Timers__Poll__Disabled"] = "yes" }, Timer("Poll")));
    }
}
