using System.Collections.Concurrent;
using Fleet.Core.Platform.Timers;

namespace Fleet.Tests.Timers;

/// <summary>One recorded run: which host ran which tick, and how it was told.</summary>
public sealed record TimerRun(string Host, DateTimeOffset ScheduledTime, bool IsPastDue, DateTimeOffset? StatusLast, bool IsStartupRun);

/// <summary>A timer that records its runs in a bag the test shares across hosts, optionally throwing.</summary>
public sealed class RecordingTimer(string name, string schedule, string host, ConcurrentBag<TimerRun> runs, Exception? fail = null) : ITimerFunction
{
    public string Name => name;
    public string Schedule => schedule;

    public Task RunAsync(TimerInfo info, CancellationToken ct)
    {
        runs.Add(new TimerRun(host, info.ScheduledTime, info.IsPastDue, info.ScheduleStatus.Last, info.IsStartupRun));
        return fail is null ? Task.CompletedTask : Task.FromException(fail);
    }
}

/// <summary>
/// Tests that measure ticks against the wall clock run alone, after the parallel ones: under the whole
/// suite's load, storage calls slow enough to make a 1-2 s schedule overrun, which the runtime rightly
/// reports as past due and collapses, and which is not what these tests are about.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TimingCollection
{
    public const string Name = "timer timing";
}

/// <summary>A clock standing at a chosen instant, for sweeps whose cutoff is "now minus N days".</summary>
public sealed class FixedClock(DateTimeOffset now) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => now;
}

public static class TimerTests
{
    /// <summary>A timer name no other test (or earlier run) uses.</summary>
    public static string UniqueName(string prefix) => prefix + "-" + Guid.NewGuid().ToString("N")[..10];

    public static async Task Eventually(Func<bool> condition, TimeSpan timeout, string what)
    {
        var until = DateTime.UtcNow + timeout;
        while (!condition())
        {
            if (DateTime.UtcNow > until) throw new TimeoutException("Timed out waiting for " + what);
            await Task.Delay(100);
        }
    }

    public static async Task EventuallyAsync(Func<Task<bool>> condition, TimeSpan timeout, string what)
    {
        var until = DateTime.UtcNow + timeout;
        while (!await condition())
        {
            if (DateTime.UtcNow > until) throw new TimeoutException("Timed out waiting for " + what);
            await Task.Delay(200);
        }
    }
}
