using Fleet.Core.Platform.Errors;
using Fleet.Core.Platform.Identity;

namespace Fleet.Functions.Platform.Auth;

/// <summary>
/// Enforces each endpoint's declared <see cref="RequiredRole"/>. On a cluster's own routes
/// (<c>clusters/{clusterId}</c>) the caller's permission for that cluster, when set, replaces the
/// global role (either way). Other routes naming a cluster id (e.g. managing someone's cluster
/// permissions) keep the global role, so a cluster admin cannot grant themselves more.
/// An endpoint without a declaration is treated as admin-only: forgetting to declare fails closed.
/// </summary>
public sealed class FleetAuthorizationMiddleware(RequestDelegate next, AuthSettings settings, ClusterPermissionStore permissions)
{
    public const string ClusterRouteValue = "clusterId";

    public async Task InvokeAsync(HttpContext context)
    {
        var endpoint = context.GetEndpoint();
        if (endpoint is null || settings.Mode == AuthMode.Disabled || endpoint.Metadata.GetMetadata<AnonymousAccess>() is not null)
        {
            await next(context);
            return;
        }

        var required = EndpointRoles.Required(endpoint);
        var caller = context.User.Caller();
        // Credentials that did not authenticate are refused in every mode, never downgraded to anonymous.
        if (caller is null && (context.Request.Headers.Authorization.Count > 0 || context.Request.Headers.ContainsKey(FleetAuthenticationHandler.ApiKeyHeader)))
            throw new FleetException(FleetErrorKind.Unauthenticated, "Invalid or expired credentials");
        int rank;
        if (caller is null)
        {
            // Optional mode lets anonymous callers read, as the Kubilitics seed's optional mode serves them.
            if (settings.Mode != AuthMode.Optional) throw new FleetException(FleetErrorKind.Unauthenticated, "Authentication required");
            rank = UserRoles.Rank(UserRoles.Viewer);
        }
        else
        {
            rank = UserRoles.Rank(caller.Role);
            if (IsClusterRoute(endpoint) && context.Request.RouteValues.TryGetValue(ClusterRouteValue, out var v) && v?.ToString() is { Length: > 0 } clusterId &&
                await permissions.GetRoleAsync(caller.UserId, clusterId, context.RequestAborted) is { } clusterRole)
                rank = UserRoles.Rank(clusterRole);
        }

        if (rank < (int)required)
        {
            if (caller is null) throw new FleetException(FleetErrorKind.Unauthenticated, "Authentication required");
            throw new FleetException(FleetErrorKind.Forbidden, $"Insufficient permissions: requires {required.ToString().ToLowerInvariant()} role");
        }
        await next(context);
    }

    private static bool IsClusterRoute(Endpoint endpoint) =>
        endpoint is RouteEndpoint r && (r.RoutePattern.RawText ?? "").Contains("clusters/{" + ClusterRouteValue, StringComparison.OrdinalIgnoreCase);
}

/// <summary>What role an endpoint needs, including the conventions for undeclared ones.</summary>
public static class EndpointRoles
{
    public static FleetRole Required(Endpoint endpoint) =>
        endpoint.Metadata.GetMetadata<RequiredRole>()?.Role ?? FleetRole.Admin;

    /// <summary>True when the endpoint carries a declaration (an undeclared one is refused to all but admins, and fails the matrix test).</summary>
    public static bool IsDeclared(Endpoint endpoint) =>
        endpoint.Metadata.GetMetadata<RequiredRole>() is not null ||
        endpoint.Metadata.GetMetadata<AnonymousAccess>() is not null;
}
