using Fleet.Core.Platform.Identity;
using Fleet.Functions.Platform.Http;

namespace Fleet.Functions.Platform.Auth;

/// <summary>A limit that applies to a request: this many permits per window, counted per partition.</summary>
public sealed record RateLimitRule(string Tier, int Limit, TimeSpan Window, string Partition);

/// <summary>
/// Each family's limits as its seed states them. CloudCore (and the platform routes, which use
/// CloudCore's login): 100/min per token. CloudPioneer: 1000/h per key. Kubilitics, per IP: exec and
/// shell 10/min, GET 120/min, others 60/min. SNAP: 1000/h per user, 100/h anonymous (a SnapHook's admission route, which the API server calls per pod: 600/min per address). Homei, per
/// category per minute: health 60, services 30, containers 20, backups 10, updates 5.
/// Health probes and /metrics are never limited.
/// </summary>
public static class RateLimitPolicies
{
    public static RateLimitRule? For(HttpContext context, string routePrefix)
    {
        var path = context.Request.Path.Value ?? "";
        if (path.StartsWith("/metrics", StringComparison.OrdinalIgnoreCase)) return null;
        var family = FleetFamilies.FromPath(context.Request.Path, routePrefix);
        var rest = family == FleetFamily.Platform ? path : path[family.BaseRoute(routePrefix).Length..];
        var ip = context.ClientIp() ?? "unknown";
        var credential = context.User.FindFirst(FleetClaims.Credential)?.Value;
        var user = context.User.FindFirst(FleetClaims.UserId)?.Value;

        if (family != FleetFamily.Homei && IsHealth(rest)) return null;
        return family switch
        {
            FleetFamily.Kubilitics => IsExec(rest)
                ? new("exec", 10, TimeSpan.FromMinutes(1), "ip:" + ip)
                : HttpMethods.IsGet(context.Request.Method) || HttpMethods.IsHead(context.Request.Method)
                    ? new("get", 120, TimeSpan.FromMinutes(1), "ip:" + ip)
                    : new("standard", 60, TimeSpan.FromMinutes(1), "ip:" + ip),
            FleetFamily.Pioneer => new("api", 1000, TimeSpan.FromHours(1), credential ?? "ip:" + ip),
            // The API server calls a SnapHook's admission route once per pod created, anonymously: the anonymous 100/h would
            // let pods through unpatched (failurePolicy Ignore) after the hundredth, so it has a tier of its own.
            FleetFamily.Snap when IsAdmission(rest) => new("admission", 600, TimeSpan.FromMinutes(1), "ip:" + ip),
            FleetFamily.Snap => user is not null
                ? new("authenticated", 1000, TimeSpan.FromHours(1), "user:" + user)
                : new("anonymous", 100, TimeSpan.FromHours(1), "ip:" + ip),
            FleetFamily.Homei => HomeiRule(rest, ip),
            _ => new("api", 100, TimeSpan.FromMinutes(1), credential ?? "ip:" + ip),
        };
    }

    private static RateLimitRule HomeiRule(string rest, string ip)
    {
        var (tier, limit) = rest switch
        {
            _ when rest.StartsWith("/v1/services", StringComparison.OrdinalIgnoreCase) => ("services", 30),
            _ when rest.StartsWith("/v1/containers", StringComparison.OrdinalIgnoreCase) => ("containers", 20),
            _ when rest.StartsWith("/v1/backups", StringComparison.OrdinalIgnoreCase) => ("backups", 10),
            _ when rest.StartsWith("/v1/update", StringComparison.OrdinalIgnoreCase) => ("updates", 5),
            _ => ("health", 60),
        };
        return new(tier, limit, TimeSpan.FromMinutes(1), "ip:" + ip);
    }

    private static bool IsAdmission(string rest) =>
        rest.StartsWith("/snaphook/", StringComparison.OrdinalIgnoreCase) && rest.EndsWith("/admit", StringComparison.OrdinalIgnoreCase);

    private static bool IsHealth(string rest) =>
        rest.Equals("/health", StringComparison.OrdinalIgnoreCase) || rest.StartsWith("/health/", StringComparison.OrdinalIgnoreCase);

    private static bool IsExec(string rest) =>
        rest.Contains("/shell", StringComparison.OrdinalIgnoreCase) && !rest.EndsWith("/shell/status", StringComparison.OrdinalIgnoreCase) && !rest.EndsWith("/shell/complete", StringComparison.OrdinalIgnoreCase) ||
        rest.Contains("/kcli/exec", StringComparison.OrdinalIgnoreCase) || rest.Contains("/kcli/stream", StringComparison.OrdinalIgnoreCase) ||
        (rest.Contains("/pods/", StringComparison.OrdinalIgnoreCase) && rest.EndsWith("/exec", StringComparison.OrdinalIgnoreCase));
}
