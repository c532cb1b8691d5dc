using System.Diagnostics;
using Prometheus;

namespace Fleet.Functions.Platform.Metrics;

/// <summary>
/// The request metrics the CloudPioneer seed names, labelled by route template (never the raw path,
/// which would make one series per id).
/// </summary>
public sealed class HttpMetricsMiddleware(RequestDelegate next)
{
    private static readonly Counter Requests = Prometheus.Metrics.CreateCounter("http_requests_total",
        "HTTP requests handled.", "method", "endpoint", "status");
    private static readonly Counter Errors = Prometheus.Metrics.CreateCounter("http_requests_errors_total",
        "HTTP requests answered with a 4xx or 5xx status.", "method", "endpoint", "status");
    private static readonly Histogram Duration = Prometheus.Metrics.CreateHistogram("http_request_duration_seconds",
        "HTTP request duration in seconds.", new HistogramConfiguration
        {
            LabelNames = ["method", "endpoint"],
            Buckets = Histogram.ExponentialBuckets(0.001, 2, 16),
        });

    public async Task InvokeAsync(HttpContext context)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            await next(context);
        }
        finally
        {
            var endpoint = (context.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText is { } raw
                ? "/" + raw.TrimStart('/')
                : "unmatched";
            var method = context.Request.Method;
            var status = context.Response.StatusCode.ToString();
            Requests.WithLabels(method, endpoint, status).Inc();
            if (context.Response.StatusCode >= 400) Errors.WithLabels(method, endpoint, status).Inc();
            Duration.WithLabels(method, endpoint).Observe(Stopwatch.GetElapsedTime(started).TotalSeconds);
        }
    }
}
