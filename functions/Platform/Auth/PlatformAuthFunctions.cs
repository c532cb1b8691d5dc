using Fleet.Functions.Platform.Contract;
using Fleet.Core.Platform.Identity;

namespace Fleet.Functions.Platform.Auth;

/// <summary><c>/api/auth/*</c>: login, refresh, logout and me for every family (CloudCore's login lives here).</summary>
public static class PlatformAuthFunctions
{
    public static void MapPlatformAuth(this IEndpointRouteBuilder api)
    {
        var auth = api.MapGroup("/auth").WithTags("platform");
        auth.MapPost("/login", Login).Anonymous().WithMetadata(new SelfAudited()).WithName("AuthLogin").WithSummary("Log in with username or email");
        auth.MapPost("/refresh", Refresh).Anonymous().WithName("AuthRefresh").WithSummary("Rotate a refresh token").WithFamilyErrors(401);
        auth.MapPost("/logout", Logout).RequireRole(FleetRole.Viewer).WithName("AuthLogout").WithSummary("End this session");
        auth.MapGet("/me", Me).RequireRole(FleetRole.Viewer).WithName("AuthMe").WithSummary("The current user");
    }

    public static async Task<IResult> Login(LoginRequest body, HttpContext context, LoginService logins, CancellationToken ct) =>
        Results.Json(TokenResponse.From(await logins.LoginAsync(body.Username ?? body.Email, body.Password, context.ClientIp(), ct)));

    public static async Task<IResult> Refresh(RefreshRequest body, TokenService tokens, UserStore users, CancellationToken ct)
    {
        if (string.IsNullOrEmpty(body.RefreshToken))
            throw Core.Platform.Errors.FleetException.Validation("refresh_token", "Field 'refresh_token' is required");
        var (chainId, userId) = await tokens.RedeemAsync(body.RefreshToken, ct);
        var user = await users.GetAsync(userId, ct)
                   ?? throw new Core.Platform.Errors.FleetException(Core.Platform.Errors.FleetErrorKind.Unauthenticated, "Invalid or expired refresh token");
        return Results.Json(TokenResponse.From(await tokens.IssueAsync(user, chainId, ct)));
    }

    public static async Task<IResult> Logout(HttpContext context, TokenService tokens, CancellationToken ct)
    {
        if (context.User.RequireCaller().SessionId is { } session) await tokens.RevokeSessionAsync(session, ct);
        return Results.Json(new MessageResponse("Logged out successfully"));
    }

    public static async Task<IResult> Me(HttpContext context, UserService users, CancellationToken ct)
    {
        var user = await users.GetAsync(context.User.RequireCaller().UserId, ct);
        var permissions = await users.ListClusterPermissionsAsync(user.Id, ct);
        return Results.Json(new MeResponse(user.Id, user.Username, user.Role, user.Email, permissions.ToDictionary(p => p.RowKey, p => p.Role)));
    }
}
