using Fleet.Core.Platform.Health;
using Fleet.Functions.Platform.Auth;

namespace Fleet.Functions.Pioneer;

public static class PioneerHealthFunctions
{
    public sealed record PioneerHealth(string Status);

    public static void MapPioneerHealth(this RouteGroupBuilder group) =>
        group.MapGet("/health", async (FleetHealth health, CancellationToken ct) =>
        {
            var r = await health.CheckAsync(ct);
            return Results.Json(new PioneerHealth(r.Healthy ? "healthy" : "unhealthy"), statusCode: r.Healthy ? 200 : 503);
        }).Anonymous().WithName("PioneerHealth").WithSummary("Check API health");
}
