using System.Collections.Concurrent;
using Azure.Data.Tables;
using Fleet.Core.Platform.Storage;
using Fleet.Core.Platform.Timers;
using Fleet.Tests.Support;

namespace Fleet.Tests.Timers;

[Collection(TimingCollection.Name)]
public sealed class TimerCatchUpTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public async Task A_host_started_after_missed_ticks_runs_the_latest_once_past_due(int missedTicks)
    {
        var timer = TimerTests.UniqueName("catchup");
        // A once-a-minute schedule whose latest tick was about 10 s ago and whose next is about 50 s away,
        // so the test sees the catch-up run alone.
        var now = DateTimeOffset.UtcNow;
        var missed = new DateTimeOffset(now.Year, now.Month, now.Day, now.Hour, now.Minute, now.Second, TimeSpan.Zero).AddSeconds(-10);
        var schedule = $"{missed.Second} * * * * *";
        var lastRun = missed.AddMinutes(-missedTicks);
        await SeedStatusAsync(timer, last: lastRun, next: lastRun.AddMinutes(1));

        var runs = new ConcurrentBag<TimerRun>();
        await using var app = await FleetApp.StartAsync(configure: b =>
            b.Services.AddTimerFunction(_ => new RecordingTimer(timer, schedule, "a", runs)));
        await TimerTests.Eventually(() => !runs.IsEmpty, TimeSpan.FromSeconds(20), "the catch-up run");
        await Task.Delay(TimeSpan.FromSeconds(3));

        var run = Assert.Single(runs);
        Assert.True(run.IsPastDue);
        Assert.Equal(missed, run.ScheduledTime);
        Assert.Equal(lastRun, run.StatusLast);
        var row = await app.Services.GetRequiredService<TimerStatusStore>().GetAsync(timer);
        Assert.Equal(missed, row!.Last);
        Assert.Equal(missed.AddMinutes(1), row.Next);
    }

    [Fact]
    public async Task A_host_whose_next_tick_is_ahead_does_not_run_at_start()
    {
        var timer = TimerTests.UniqueName("nocatchup");
        var now = DateTimeOffset.UtcNow;
        var lastTick = new DateTimeOffset(now.Year, now.Month, now.Day, now.Hour, now.Minute, now.Second, TimeSpan.Zero).AddSeconds(-10);
        await SeedStatusAsync(timer, last: lastTick, next: lastTick.AddMinutes(1));

        var runs = new ConcurrentBag<TimerRun>();
        await using var app = await FleetApp.StartAsync(configure: b =>
            b.Services.AddTimerFunction(_ => new RecordingTimer(timer, $"{lastTick.Second} * * * * *", "a", runs)));
        await Task.Delay(TimeSpan.FromSeconds(4));
        Assert.Empty(runs);
    }

    [Fact]
    public async Task RunOnStartup_runs_once_at_start_without_claiming_a_tick()
    {
        var timer = TimerTests.UniqueName("startup");
        var runs = new ConcurrentBag<TimerRun>();
        await using var app = await FleetApp.StartAsync(
            settings: new Dictionary<string, string?> { [$"Timers__{timer}__RunOnStartup"] = "true" },
            configure: b => b.Services.AddTimerFunction(_ => new RecordingTimer(timer, "0 0 0 1 1 *", "a", runs)));
        await TimerTests.Eventually(() => !runs.IsEmpty, TimeSpan.FromSeconds(40), "the startup run");
        var run = Assert.Single(runs);
        Assert.True(run.IsStartupRun);
        Assert.False(run.IsPastDue);
        var store = app.Services.GetRequiredService<TimerStatusStore>();
        await TimerTests.EventuallyAsync(async () => (await store.GetAsync(timer))?.Runs == 1, TimeSpan.FromSeconds(10), "the run recorded");
        Assert.Null((await store.GetAsync(timer))!.Last);
    }

    /// <summary>Writes the status row as a host that ran the timer at <paramref name="last"/> and then stopped would have left it.</summary>
    private static async Task SeedStatusAsync(string timer, DateTimeOffset last, DateTimeOffset next)
    {
        var storage = new FleetStorage(Peers.Storage);
        await storage.EnsureTableAsync(TimerStatusEntity.Table);
        await storage.Tables.GetTableClient(TimerStatusEntity.Table).UpsertEntityAsync(new TimerStatusEntity
        {
            PartitionKey = timer, Last = last, Next = next, LastUpdated = last, LastStarted = last, LastDurationMs = 5, Runs = 1, LastSucceeded = true,
        }, TableUpdateMode.Replace);
    }
}
