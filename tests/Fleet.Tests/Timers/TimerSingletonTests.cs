using System.Collections.Concurrent;
using Fleet.Core.Platform.Timers;
using Fleet.Tests.Support;

namespace Fleet.Tests.Timers;

[Collection(TimingCollection.Name)]
public sealed class TimerSingletonTests
{
    private static Task<FleetApp> StartHostAsync(string host, string timer, ConcurrentBag<TimerRun> runs) =>
        FleetApp.StartAsync(configure: b => b.Services.AddTimerFunction(_ => new RecordingTimer(timer, "*/2 * * * * *", host, runs)));

    /// <summary>
    /// What the runtime promises: no tick runs twice, none off the schedule, and consecutive runs are consecutive ticks,
    /// except that ticks a host could not claim in time (a loaded machine, a holder shutting down) collapse into the next
    /// run, which says it is past due. A silent skip fails.
    /// </summary>
    private static void AssertEveryTickOnce(IReadOnlyCollection<TimerRun> runs, int atLeast)
    {
        var ordered = runs.OrderBy(r => r.ScheduledTime).ToList();
        var ticks = ordered.Select(r => r.ScheduledTime).ToList();
        Assert.True(ticks.Count >= atLeast, $"only {ticks.Count} ticks ran");
        Assert.Equal(ticks.Count, ticks.Distinct().Count());
        Assert.All(ticks, t => Assert.Equal(0, t.Second % 2));
        for (var i = 1; i < ticks.Count; i++)
        {
            if (ticks[i] - ticks[i - 1] == TimeSpan.FromSeconds(2)) continue;
            Assert.True(ordered[i].IsPastDue, $"ticks between {ticks[i - 1]:o} and {ticks[i]:o} skipped without a past-due run");
        }
        // Collapses are the exception, not the rule.
        Assert.True(ordered.Count(r => r.IsPastDue) <= ordered.Count / 2, string.Join(", ", ordered.Select(r => $"{r.ScheduledTime:HH:mm:ss}{(r.IsPastDue ? " (past due)" : "")}")));
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
        var holder = runs.OrderBy(r => r.ScheduledTime).Last().Host;
        var (stopped, survivor) = holder == "a" ? (a, b) : (b, a);
        await stopped.DisposeAsync();
        var stopEnded = DateTimeOffset.UtcNow;
        var before = runs.Count;
        await TimerTests.Eventually(() => runs.Count >= before + 3, TimeSpan.FromSeconds(45), "three ticks after the stop");
        await survivor.DisposeAsync();

        AssertEveryTickOnce(runs.ToList(), atLeast: 6);
        // At once: the survivor took the first tick due after the holder released the lease, not one after it expired
        // (10-15 s later).
        Assert.Contains(runs, r => r.Host != holder);
        var firstTaken = runs.Where(r => r.Host != holder).Min(r => r.ScheduledTime);
        Assert.True(firstTaken <= stopEnded.AddSeconds(6), $"the survivor's first tick {firstTaken:o}, stop ended {stopEnded:o}");
    }

    [Fact]
    public async Task Status_row_holds_last_and_next_tick()
    {
        var timer = TimerTests.UniqueName("status");
        var runs = new ConcurrentBag<TimerRun>();
        await using var app = await StartHostAsync("a", timer, runs);
        await TimerTests.Eventually(() => runs.Count >= 2, TimeSpan.FromSeconds(45), "two ticks");
        var ordered = runs.OrderBy(r => r.ScheduledTime).ToList();
        var last = ordered[^1];
        var row = await app.Services.GetRequiredService<TimerStatusStore>().GetAsync(timer);
        Assert.NotNull(row);
        Assert.True(row!.Last >= last.ScheduledTime);
        // The schedule's next tick after the claim: normally Last + 2 s, later when the claim itself came late.
        Assert.True(row.Next > row.Last && row.Next <= row.Last!.Value.AddSeconds(10) && row.Next!.Value.Second % 2 == 0, $"last {row.Last:o}, next {row.Next:o}");
        Assert.True(row.Runs >= 1);
        // Stored under the platform's snake_case column names.
        var raw = (await new Fleet.Core.Platform.Storage.FleetStorage(Peers.Storage).Tables.GetTableClient(TimerStatusEntity.Table)
            .GetEntityAsync<Azure.Data.Tables.TableEntity>(timer, TimerStatusEntity.StatusRow)).Value;
        Assert.All(new[] { "last", "next", "last_updated", "last_duration_ms", "runs", "failures" }, k => Assert.True(raw.ContainsKey(k), k));
        // The tick run before is what the later run was told as ScheduleStatus.Last (ticks missed between them collapsed).
        Assert.Equal(ordered[^2].ScheduledTime, last.StatusLast);
    }
}
