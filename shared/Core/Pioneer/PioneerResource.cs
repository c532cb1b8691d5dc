namespace Fleet.Core.Pioneer;

/// <summary>The latest usage of a resource: cpu_usage in percent (of one vCPU for containers and pods, of capacity for nodes),
/// memory_usage in bytes, disk_usage in percent; null where the source does not measure it.</summary>
public sealed record ResourceMetrics(double? CpuUsage, double? MemoryUsage, double? DiskUsage);

public sealed record ResourceCost(double Hourly, double MonthlyEstimated);

/// <summary>One managed thing in CloudPioneer's inventory (the seed's item shape).</summary>
public sealed record PioneerResource(string Id, string Name, string Type, string Status, ResourceMetrics Metrics, ResourceCost Cost,
    IReadOnlyDictionary<string, string> Tags);

public sealed record ResourcePage(IReadOnlyList<PioneerResource> Items, int Total, int Page, int PerPage);

/// <summary>
/// What a source knows of a resource before pricing: its usage, and what it asked for (requests) or holds (a node's
/// capacity). Cost is charged on the larger of request and usage, as OpenCost does.
/// </summary>
public sealed record ResourceFacts(string Id, string Name, string Type, string Status, ResourceMetrics Metrics,
    IReadOnlyDictionary<string, string> Tags, double? RequestedCores = null, double? UsedCores = null,
    double? RequestedMemoryBytes = null, double? UsedMemoryBytes = null, double? DiskBytes = null, bool EdgeDevice = false);

/// <summary>The one id scheme: <c>{source}:{kind}:{key}</c>, e.g. <c>homei:container:3f2a9c1b0d4e</c>,
/// <c>kubeedge:device:sensor-1</c>, <c>kube:{cluster id}:pod:{namespace}:{name}</c>.</summary>
public static class ResourceIds
{
    public static string Container(string shortId) => $"homei:container:{shortId}";
    public static string Device(string deviceId) => $"kubeedge:device:{deviceId}";
    public static string Pod(string clusterId, string ns, string name) => $"kube:{clusterId}:pod:{ns}:{name}";
    public static string Deployment(string clusterId, string ns, string name) => $"kube:{clusterId}:deployment:{ns}:{name}";
    public static string Node(string clusterId, string name) => $"kube:{clusterId}:node:{name}";
}
