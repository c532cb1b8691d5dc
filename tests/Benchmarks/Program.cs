// Micro-benchmarks run with `dotnet run -c Release --project tests/Benchmarks`.
// Timer catch-up walks every missed occurrence, so its cost after long downtime is measured here.
using System.Diagnostics;
using Fleet.Core.Platform.Timers;
using Microsoft.Extensions.Configuration;

var timer = new TimerCatalog([new BenchTimer()], new ConfigurationBuilder().Build()).Timers[0];
var now = new DateTimeOffset(2026, 1, 31, 12, 0, 0, TimeSpan.Zero);
foreach (var downtime in new[] { TimeSpan.FromMinutes(1), TimeSpan.FromHours(1), TimeSpan.FromDays(1) })
{
    var watch = Stopwatch.StartNew();
    var due = timer.LatestBetween(now - downtime, now);
    watch.Stop();
    Console.WriteLine($"catch-up after {downtime} of an every-second timer: {watch.Elapsed.TotalMilliseconds:F2} ms (due {due:o})");
}

internal sealed class BenchTimer : ITimerFunction
{
    public string Name => "bench";
    public string Schedule => "* * * * * *";
    public Task RunAsync(TimerInfo info, CancellationToken ct) => Task.CompletedTask;
}
