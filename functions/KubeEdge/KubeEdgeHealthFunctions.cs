using Fleet.Core.Platform.Health;
using Fleet.Functions.Platform.Auth;
using Fleet.Functions.Platform.Health;

namespace Fleet.Functions.KubeEdge;

public static class KubeEdgeHealthFunctions
{
    public sealed record KubeEdgeHealth(string Status, string Timestamp, string Version, IReadOnlyDictionary<string, string> Components);

    public static void MapKubeEdgeHealth(this RouteGroupBuilder group) =>
        group.MapGet("/health", async (FleetHealth health, CancellationToken ct) =>
        {
            var r = await health.CheckAsync(ct);
            var components = new Dictionary<string, string>(r.Components)
            {
                // The seed calls the system of record "database".
                ["database"] = r.Components.GetValueOrDefault("storage", "unknown"),
            };
            components.Remove("storage");
            return Results.Json(new KubeEdgeHealth(r.Healthy ? "healthy" : "unhealthy", FleetVersion.Now(), FleetVersion.Value, components),
                statusCode: r.Healthy ? 200 : 503);
        }).Anonymous().WithName("KubeEdgeHealth").WithSummary("API health");
}
