namespace Fleet.Functions.Platform.Http;

/// <summary>The five API families and the platform routes, each with its base route and envelope.</summary>
public enum FleetFamily { Platform, KubeEdge, Kubilitics, Snap, Homei, Pioneer }

public static class FleetFamilies
{
    public static readonly IReadOnlyDictionary<FleetFamily, string> Segments = new Dictionary<FleetFamily, string>
    {
        [FleetFamily.KubeEdge] = "kubeedge",
        [FleetFamily.Kubilitics] = "kubilitics",
        [FleetFamily.Snap] = "snap",
        [FleetFamily.Homei] = "homei",
        [FleetFamily.Pioneer] = "pioneer",
    };

    /// <summary>The family a path belongs to, by its base route; everything else is the platform's.</summary>
    public static FleetFamily FromPath(PathString path, string routePrefix = "api")
    {
        var p = path.Value ?? "";
        foreach (var (family, segment) in Segments)
        {
            var baseRoute = $"/{routePrefix}/{segment}";
            if (p.StartsWith(baseRoute, StringComparison.OrdinalIgnoreCase) &&
                (p.Length == baseRoute.Length || p[baseRoute.Length] == '/'))
                return family;
        }
        return FleetFamily.Platform;
    }

    public static string BaseRoute(this FleetFamily family, string routePrefix = "api") =>
        family == FleetFamily.Platform ? $"/{routePrefix}" : $"/{routePrefix}/{Segments[family]}";
}
