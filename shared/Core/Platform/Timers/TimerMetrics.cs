using Prometheus;

namespace Fleet.Core.Platform.Timers;

/// <summary>Prometheus series per timer, exported on /metrics with everything else.</summary>
internal static class TimerMetrics
{
    private static readonly Counter Runs = Metrics.CreateCounter("fleet_timer_runs_total", "Timer runs, by timer.", "timer");
    private static readonly Counter Failures = Metrics.CreateCounter("fleet_timer_failures_total", "Timer runs that threw, by timer.", "timer");
    private static readonly Histogram Duration = Metrics.CreateHistogram("fleet_timer_duration_seconds", "Timer run duration, by timer.",
        new HistogramConfiguration { LabelNames = ["timer"], Buckets = Histogram.ExponentialBuckets(0.01, 4, 10) });

    public static void Observe(string timer, TimeSpan duration, bool failed)
    {
        Runs.WithLabels(timer).Inc();
        if (failed) Failures.WithLabels(timer).Inc();
        Duration.WithLabels(timer).Observe(duration.TotalSeconds);
    }
}
