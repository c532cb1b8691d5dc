using System.Security.Claims;
using Fleet.Core.Platform.Errors;
using Fleet.Core.Platform.Identity;

namespace Fleet.Functions.Platform.Auth;

/// <summary>The authenticated caller as handlers see it.</summary>
public sealed record FleetCaller(string UserId, string Username, string Role, string? SessionId);

public static class FleetUserAccessor
{
    /// <summary>The caller, or null for an anonymous request.</summary>
    public static FleetCaller? Caller(this ClaimsPrincipal user) =>
        user.FindFirst(FleetClaims.UserId)?.Value is { Length: > 0 } id
            ? new FleetCaller(id, user.FindFirst(FleetClaims.Username)?.Value ?? "", user.FindFirst(FleetClaims.Role)?.Value ?? "",
                user.FindFirst(FleetClaims.Session)?.Value is { Length: > 0 } s ? s : null)
            : null;

    /// <summary>The caller; 401 when the route was reached without credentials (auth disabled or optional).</summary>
    public static FleetCaller RequireCaller(this ClaimsPrincipal user) =>
        user.Caller() ?? throw new FleetException(FleetErrorKind.Unauthenticated, "Authentication required");

    public static string? ClientIp(this HttpContext context) => context.Connection.RemoteIpAddress?.ToString();
}
