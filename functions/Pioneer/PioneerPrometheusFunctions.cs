using Fleet.Functions.Platform.Auth;
using Fleet.Functions.Platform.Docs;

namespace Fleet.Functions.Pioneer;

/// <summary>
/// The seed's Prometheus metrics under CloudPioneer's base: the same registry as the host's <c>/metrics</c>
/// (http_requests_total, http_request_duration_seconds, http_requests_errors_total by method and route template),
/// for a scraper that holds a CloudPioneer API key.
/// </summary>
public static class PioneerPrometheusFunctions
{
    public static void MapPioneerPrometheus(this RouteGroupBuilder group) =>
        group.MapGet("/metrics", async (HttpContext context, CancellationToken ct) =>
            {
                context.Response.ContentType = "text/plain; version=0.0.4; charset=utf-8";
                await Prometheus.Metrics.DefaultRegistry.CollectAndExportAsTextAsync(context.Response.Body, ct);
            })
            .RequireRole(FleetRole.Viewer).WithName("PioneerPrometheusMetrics").WithSummary("Prometheus metrics")
            .Produces<string>(200, "text/plain").Produces<PlatformErrorBody>(401).Produces<PlatformErrorBody>(403).Produces<PlatformErrorBody>(429);
}
