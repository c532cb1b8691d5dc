using System.Diagnostics;
using Fleet.Core.Platform.Timers;
using Microsoft.Extensions.Configuration;

namespace Fleet.Benchmarks;

/// <summary>Timer catch-up walks every missed occurrence, so its cost after long downtime is measured here.</summary>
public sealed class TimerCatchUpBenchmark : IBenchmark
{
    public string Name => "timers";
    public string Description => "cost of catching up an every-second timer after 1 min, 1 h and 1 day of downtime";

    public async Task<int> RunAsync(string[] args, CancellationToken ct)
    {
        var timer = new TimerCatalog([new BenchTimer()], new ConfigurationBuilder().Build()).Timers[0];
        var now = new DateTimeOffset(2026, 1, 31, 12, 0, 0, TimeSpan.Zero);
        var rows = new List<object>();
        Console.WriteLine("| downtime | catch-up ms |");
        Console.WriteLine("|---|---:|");
        foreach (var downtime in new[] { TimeSpan.FromMinutes(1), TimeSpan.FromHours(1), TimeSpan.FromDays(1) })
        {
            var watch = Stopwatch.StartNew();
            timer.LatestBetween(now - downtime, now);
            watch.Stop();
            Console.WriteLine($"| {downtime} | {watch.Elapsed.TotalMilliseconds:F2} |");
            rows.Add(new { downtime = downtime.ToString(), catch_up_ms = watch.Elapsed.TotalMilliseconds });
        }
        await BenchResults.WriteAsync("timers", new { benchmark = "timer-catch-up", date = DateTimeOffset.UtcNow, rows });
        return 0;
    }

    private sealed class BenchTimer : ITimerFunction
    {
        public string Name => "bench";
        public string Schedule => "* * * * * *";
        public Task RunAsync(TimerInfo info, CancellationToken ct) => Task.CompletedTask;
    }
}
