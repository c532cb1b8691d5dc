using Fleet.Functions.Platform.Contract;
using System.Text.Json.Serialization;
using Fleet.Core.Platform.Identity;
using Fleet.Functions.Platform.Auth;

namespace Fleet.Functions.Kubilitics;

/// <summary>Kubilitics <c>/v1/auth/*</c>: login, refresh, logout, me, change-password and API keys.</summary>
public static class KubiliticsAuthFunctions
{
    public sealed record ChangePasswordRequest([property: AnyText] string? CurrentPassword = null, string? NewPassword = null);
    public sealed record CreateApiKeyRequest(string? Name = null, DateTimeOffset? ExpiresAt = null);
    public sealed record CreatedApiKeyResponse(string Id, string Name, string Key,
        [property: JsonPropertyName("created_at")] DateTimeOffset CreatedAt,
        [property: JsonPropertyName("expires_at")] DateTimeOffset? ExpiresAt);
    public sealed record ApiKeyResponse(string Id, string Name,
        [property: JsonPropertyName("last_used")] DateTimeOffset? LastUsed,
        [property: JsonPropertyName("created_at")] DateTimeOffset CreatedAt,
        [property: JsonPropertyName("expires_at")] DateTimeOffset? ExpiresAt);

    public static void MapKubiliticsAuth(this RouteGroupBuilder group)
    {
        var auth = group.MapGroup("/v1/auth");
        auth.MapPost("/login", PlatformAuthFunctions.Login).Anonymous().WithMetadata(new SelfAudited())
            .WithName("KubiliticsLogin").WithSummary("Authenticate and receive access/refresh tokens");
        auth.MapPost("/refresh", PlatformAuthFunctions.Refresh).Anonymous().WithName("KubiliticsRefresh").WithSummary("Refresh access token").WithFamilyErrors(401);
        auth.MapPost("/logout", PlatformAuthFunctions.Logout).RequireRole(FleetRole.Viewer).WithName("KubiliticsLogout").WithSummary("Logout");
        auth.MapGet("/me", PlatformAuthFunctions.Me).RequireRole(FleetRole.Viewer).WithName("KubiliticsMe").WithSummary("Current user");
        auth.MapPost("/change-password", ChangePassword).RequireRole(FleetRole.Viewer).WithName("KubiliticsChangePassword").WithSummary("Change password");
        // Keys act for their owner, so any authenticated user manages their own.
        auth.MapPost("/api-keys", CreateApiKey).RequireRole(FleetRole.Viewer).WithName("KubiliticsCreateApiKey").WithSummary("Create API key (shown once)").Produces<CreatedApiKeyResponse>(StatusCodes.Status201Created);
        auth.MapGet("/api-keys", ListApiKeys).RequireRole(FleetRole.Viewer).WithName("KubiliticsListApiKeys").WithSummary("List API keys");
        auth.MapDelete("/api-keys/{keyId}", DeleteApiKey).RequireRole(FleetRole.Viewer).WithName("KubiliticsDeleteApiKey").WithSummary("Delete API key");
    }

    private static async Task<IResult> ChangePassword(ChangePasswordRequest body, HttpContext context, UserService users, CancellationToken ct)
    {
        await users.ChangePasswordAsync(context.User.RequireCaller().UserId, body.CurrentPassword, body.NewPassword, ct);
        return Results.Json(new MessageResponse("Password changed successfully"));
    }

    private static async Task<IResult> CreateApiKey(CreateApiKeyRequest body, HttpContext context, ApiKeyService keys, CancellationToken ct)
    {
        var created = await keys.CreateAsync(context.User.RequireCaller().UserId, body.Name, body.ExpiresAt, ct, ApiKeyService.KubiliticsPrefix);
        var e = created.Entity;
        return Results.Json(new CreatedApiKeyResponse(e.Id, e.Name, created.Key, e.CreatedAt, e.ExpiresAt), statusCode: 201);
    }

    private static async Task<IResult> ListApiKeys(HttpContext context, ApiKeyService keys, CancellationToken ct) =>
        Results.Json((await keys.ListAsync(context.User.RequireCaller().UserId, ct))
            .Select(k => new ApiKeyResponse(k.Id, k.Name, k.LastUsed, k.CreatedAt, k.ExpiresAt)));

    private static async Task<IResult> DeleteApiKey(string keyId, HttpContext context, ApiKeyService keys, CancellationToken ct)
    {
        await keys.DeleteAsync(context.User.RequireCaller().UserId, keyId, ct);
        return Results.Json(new MessageResponse("API key deleted"));
    }
}
