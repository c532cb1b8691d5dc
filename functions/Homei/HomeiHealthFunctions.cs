using Fleet.Core.Platform.Health;
using Fleet.Functions.Platform.Auth;
using Fleet.Functions.Platform.Health;

namespace Fleet.Functions.Homei;

public static class HomeiHealthFunctions
{
    public sealed record HomeiHealth(string Status, string Version, string Timestamp);
    public sealed record HomeiProbe(string Status);

    public static void MapHomeiHealth(this RouteGroupBuilder group)
    {
        group.MapGet("/health", async (FleetHealth health, CancellationToken ct) =>
        {
            var r = await health.CheckAsync(ct);
            return Results.Json(new HomeiHealth(r.Healthy ? "healthy" : "unhealthy", FleetVersion.Value, FleetVersion.Now()),
                statusCode: r.Healthy ? 200 : 503);
        }).Anonymous().WithName("HomeiHealth").WithSummary("Health check");

        group.MapGet("/health/ready", async (FleetHealth health, CancellationToken ct) =>
        {
            var r = await health.CheckAsync(ct);
            return Results.Json(new HomeiProbe(r.Healthy ? "ready" : "not_ready"), statusCode: r.Healthy ? 200 : 503);
        }).Anonymous().WithName("HomeiReady").WithSummary("Readiness check");

        // Liveness says only that the process answers: it must not fail because a peer is down.
        group.MapGet("/health/live", () => Results.Json(new HomeiProbe("alive")))
            .Anonymous().WithName("HomeiLive").WithSummary("Liveness check");
    }
}
