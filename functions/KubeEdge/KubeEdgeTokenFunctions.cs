using Fleet.Core.KubeEdge;
using Fleet.Functions.Platform.Auth;

namespace Fleet.Functions.KubeEdge;

/// <summary>Join tokens: generate (shown once), list (prefixes only), revoke.</summary>
public static class KubeEdgeTokenFunctions
{
    public sealed record GenerateRequest(string? NodeName, int? ExpiryHours = null);

    public static void MapKubeEdgeTokens(this RouteGroupBuilder group)
    {
        group.MapPost("/token/generate", async (GenerateRequest body, JoinTokenService tokens, CancellationToken ct) =>
        {
            var t = await tokens.GenerateAsync(body.NodeName, body.ExpiryHours, ct);
            return Results.Json(new { t.Token, t.ExpiresAt, t.JoinCommand, t.NodeName }, statusCode: StatusCodes.Status201Created);
        }).RequireRole(FleetRole.Operator).WithSummary("Create edge join token").Produces(StatusCodes.Status201Created);
        group.MapGet("/tokens", async (int? limit, string? @continue, JoinTokenService tokens, CancellationToken ct) =>
            Results.Json(await tokens.ListAsync(limit, @continue, ct))).RequireRole(FleetRole.Viewer).WithSummary("List tokens");
        group.MapDelete("/token/{node_name}", async (string node_name, JoinTokenService tokens, CancellationToken ct) =>
        {
            await tokens.RevokeAsync(node_name, ct);
            return Results.Json(new { Status = "revoked", NodeName = node_name });
        }).RequireRole(FleetRole.Operator).WithSummary("Revoke token");
    }
}
