using Fleet.Core.Platform.Health;
using Fleet.Functions.Platform.Auth;

namespace Fleet.Functions.Platform.Health;

/// <summary><c>GET /api/health</c>: the CloudCore seed's shape, with real probes.</summary>
public static class HealthFunctions
{
    public static void MapPlatformHealth(this IEndpointRouteBuilder api)
    {
        api.MapGet("/health", GetHealth).Anonymous().WithTags("platform").WithName("Health")
            .WithSummary("Health of the host and its peers");
    }

    public sealed record HealthResponse(string Status, string Timestamp, string Version,
        IReadOnlyDictionary<string, string> Components,
        [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<string>? FailedComponents);

    private static async Task<IResult> GetHealth(FleetHealth health, CancellationToken ct)
    {
        var r = await health.CheckAsync(ct);
        var body = new HealthResponse(r.Healthy ? "healthy" : "unhealthy", FleetVersion.Now(), FleetVersion.Value,
            r.Components, r.Healthy ? null : r.FailedRequired);
        return Results.Json(body, statusCode: r.Healthy ? 200 : 503);
    }
}
