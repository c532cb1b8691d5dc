using System.Collections.Concurrent;
using Fleet.Core.Platform.Timers;
using Fleet.Tests.Support;

namespace Fleet.Tests.Timers;

[Collection(TimingCollection.Name)]
public sealed class TimerSingletonTests
{
    private static Task<FleetApp> StartHostAsync(string host, string timer, ConcurrentBag<TimerRun> runs) =>
        FleetApp.StartAsync(configure: b => b.Services.AddTimerFunction(_ => new RecordingTimer(timer, "*/2 * * * * *", host, runs)));

    private static void AssertEveryTickOnce(IReadOnlyCollection<TimerRun> runs, int atLeast)
    {
        var ordered = runs.OrderBy(r => r.ScheduledTime).ToList();
        var ticks = ordered.Select(r => r.ScheduledTime).ToList();
        Assert.True(ticks.Count >= atLeast, $"only {ticks.Count} ticks ran");
        Assert.Equal(ticks.Count, ticks.Distinct().Count());
        // Consecutive runs are consecutive ticks. The one exception is documented: when a tick's claim comes after the next
        // tick is due (storage slowed by a loaded machine), the missed tick collapses into the next run, which says it is
        // past due. A silent skip, or more than one tick missed, fails.
        for (var i = 1; i < ticks.Count; i++)
        {
            var gap = ticks[i] - ticks[i - 1];
            if (gap == TimeSpan.FromSeconds(2)) continue;
            Assert.True(gap == TimeSpan.FromSeconds(4) && ordered[i].IsPastDue, $"gap between {ticks[i - 1]:o} and {ticks[i]:o} (past due: {ordered[i].IsPastDue})");
        }
        Assert.All(ticks, t => Assert.Equal(0, t.Second % 2));
    }

    [Fact]
    public async Task Two_hosts_on_one_account_run_each_tick_exactly_once()
    {
        var timer = TimerTests.UniqueName("pair");
        var runs = new ConcurrentBag<TimerRun>();
        await using (var a = await StartHostAsync("a", timer, runs))
        await using (var b = await StartHostAsync("b", timer, runs))
        {
            // Both hosts compete for at least eight ticks; counted from when both run, since start-up on a loaded machine
            // can take a good part of a fixed window.
            var both = DateTimeOffset.UtcNow;
            await TimerTests.Eventually(() => runs.Count(r => r.ScheduledTime >= both) >= 8, TimeSpan.FromSeconds(60), "eight ticks with both hosts up");
        }
        AssertEveryTickOnce(runs.ToList(), atLeast: 8);
    }

    [Fact]
    public async Task When_the_running_host_stops_the_other_takes_over_at_once_without_duplicate()
    {
        var timer = TimerTests.UniqueName("handover");
        var runs = new ConcurrentBag<TimerRun>();
        var a = await StartHostAsync("a", timer, runs);
        var b = await StartHostAsync("b", timer, runs);
        await TimerTests.Eventually(() => runs.Count >= 3, TimeSpan.FromSeconds(45), "three ticks");
        // Stop whichever host holds the lease; its release lets the other take the next tick.
        var holder = runs.First().Host;
        var (stopped, survivor) = holder == "a" ? (a, b) : (b, a);
        var stopStarted = DateTimeOffset.UtcNow;
        await stopped.DisposeAsync();
        var stopEnded = DateTimeOffset.UtcNow;
        var before = runs.Count;
        await TimerTests.Eventually(() => runs.Count >= before + 3, TimeSpan.FromSeconds(45), "three ticks after the stop");
        await survivor.DisposeAsync();

        // No tick twice, none off the schedule. Ticks due while the holder was shutting down (a loaded machine can take
        // seconds) collapse into one run that says it is past due, as missed ticks do; after that, every tick.
        var ordered = runs.OrderBy(r => r.ScheduledTime).ToList();
        Assert.True(ordered.Count >= 6, $"only {ordered.Count} ticks ran");
        Assert.Equal(ordered.Count, ordered.Select(r => r.ScheduledTime).Distinct().Count());
        Assert.All(ordered, r => Assert.Equal(0, r.ScheduledTime.Second % 2));
        for (var i = 1; i < ordered.Count; i++)
        {
            if (ordered[i].ScheduledTime - ordered[i - 1].ScheduledTime == TimeSpan.FromSeconds(2)) continue;
            var missed = $"ticks missed between {ordered[i - 1].ScheduledTime:o} and {ordered[i].ScheduledTime:o} (stop {stopStarted:o} to {stopEnded:o})";
            Assert.True(ordered[i - 1].ScheduledTime >= stopStarted.AddSeconds(-2) && ordered[i].ScheduledTime <= stopEnded.AddSeconds(4), missed);
            Assert.True(ordered[i].IsPastDue, missed + " without a past-due run");
        }
        Assert.Contains(runs, r => r.Host != holder);
    }

    [Fact]
    public async Task Status_row_holds_last_and_next_tick()
    {
        var timer = TimerTests.UniqueName("status");
        var runs = new ConcurrentBag<TimerRun>();
        await using var app = await StartHostAsync("a", timer, runs);
        await TimerTests.Eventually(() => runs.Count >= 2, TimeSpan.FromSeconds(45), "two ticks");
        var last = runs.OrderBy(r => r.ScheduledTime).Last();
        var row = await app.Services.GetRequiredService<TimerStatusStore>().GetAsync(timer);
        Assert.NotNull(row);
        Assert.True(row!.Last >= last.ScheduledTime);
        Assert.Equal(row.Last!.Value.AddSeconds(2), row.Next);
        Assert.True(row.Runs >= 1);
        // Stored under the platform's snake_case column names.
        var raw = (await new Fleet.Core.Platform.Storage.FleetStorage(Peers.Storage).Tables.GetTableClient(TimerStatusEntity.Table)
            .GetEntityAsync<Azure.Data.Tables.TableEntity>(timer, TimerStatusEntity.StatusRow)).Value;
        Assert.All(new[] { "last", "next", "last_updated", "last_duration_ms", "runs", "failures" }, k => Assert.True(raw.ContainsKey(k), k));
        // The earlier tick is what the later run was told as ScheduleStatus.Last.
        Assert.Equal(last.ScheduledTime.AddSeconds(-2), last.StatusLast);
    }
}
