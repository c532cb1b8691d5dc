using System.Text.Json;
using Azure.Data.Tables;

namespace Fleet.Core.Pioneer;

/// <summary>
/// A resource as a row of the inventory projection: the seed's item (id, name, type, status, metrics, cost, tags as
/// JSON), every tag also as a property of its own (<see cref="InventoryIndex.TagProperty"/>) so that tag terms are
/// property filters, the lower-cased type and status that type/status terms compare with, its source and scope, and
/// (primary copy) when a refresh last saw it.
/// </summary>
public static class InventoryRows
{
    /// <summary>At most this many tags become properties (Table storage holds 252 per row); the rest are in <c>Tags</c> only.</summary>
    public const int MaxTagProperties = 200;

    private const int MaxTagsJson = 30_000;
    private const int MaxTagValue = 4_000;

    /// <summary>The first segment of the id: <c>homei</c>, <c>kubeedge</c>, <c>kube</c>.</summary>
    public static string Source(string id) => (id.IndexOf(':') is var i and > 0 ? id[..i] : id).ToLowerInvariant();

    /// <summary>What one complete read of a source covers: the source, and for Kubernetes one cluster (<c>kube:{cluster id}</c>).</summary>
    public static string Scope(string id)
    {
        var source = Source(id);
        if (source != "kube") return source;
        var parts = id.Split(':', 3);
        return parts.Length >= 2 ? $"kube:{parts[1]}" : source;
    }

    public static TableEntity ToEntity(PioneerResource r, string rowKey, DateTimeOffset? lastSeen = null)
    {
        var e = new TableEntity(InventoryIndex.Partition, rowKey)
        {
            ["Id"] = r.Id, ["Name"] = r.Name, ["Type"] = r.Type, ["Status"] = r.Status,
            ["TypeKey"] = r.Type.ToLowerInvariant(), ["StatusKey"] = r.Status.ToLowerInvariant(),
            ["Source"] = Source(r.Id), ["Scope"] = Scope(r.Id),
            ["CostHourly"] = r.Cost.Hourly, ["CostMonthly"] = r.Cost.MonthlyEstimated,
            ["Tags"] = TagsJson(r.Tags),
        };
        if (r.Metrics.CpuUsage is { } cpu) e["CpuUsage"] = cpu;
        if (r.Metrics.MemoryUsage is { } mem) e["MemoryUsage"] = mem;
        if (r.Metrics.DiskUsage is { } disk) e["DiskUsage"] = disk;
        foreach (var (k, v) in r.Tags.Where(t => t.Value.Length <= MaxTagValue).OrderBy(t => t.Key, StringComparer.Ordinal).Take(MaxTagProperties))
            e[InventoryIndex.TagProperty(k)] = v;
        if (lastSeen is { } seen) e["LastSeen"] = seen;
        return e;
    }

    public static PioneerResource ToResource(TableEntity e) => new(
        e.GetString("Id") ?? "", e.GetString("Name") ?? "", e.GetString("Type") ?? "", e.GetString("Status") ?? "",
        new ResourceMetrics(e.GetDouble("CpuUsage"), e.GetDouble("MemoryUsage"), e.GetDouble("DiskUsage")),
        new ResourceCost(e.GetDouble("CostHourly") ?? 0, e.GetDouble("CostMonthly") ?? 0),
        JsonSerializer.Deserialize<Dictionary<string, string>>(e.GetString("Tags") ?? "{}") ?? []);

    /// <summary>The same item as far as a reader can tell (what decides whether a refresh rewrites it).</summary>
    public static bool Same(PioneerResource a, PioneerResource b) =>
        a.Id == b.Id && a.Name == b.Name && a.Type == b.Type && a.Status == b.Status && a.Metrics == b.Metrics && a.Cost == b.Cost
        && a.Tags.Count == b.Tags.Count && a.Tags.All(t => b.Tags.TryGetValue(t.Key, out var v) && v == t.Value);

    /// <summary>Whether the change between the two moves a row or changes what a filter matches (not only usage or cost).</summary>
    public static bool ShapeChanged(PioneerResource a, PioneerResource b) =>
        a.Name != b.Name || a.Type != b.Type || a.Status != b.Status
        || a.Tags.Count != b.Tags.Count || !a.Tags.All(t => b.Tags.TryGetValue(t.Key, out var v) && v == t.Value);

    /// <summary>The tags as JSON; tags too large for one property (64 KiB) lose their longest values first.</summary>
    private static string TagsJson(IReadOnlyDictionary<string, string> tags)
    {
        var json = JsonSerializer.Serialize(tags);
        if (json.Length <= MaxTagsJson) return json;
        var kept = tags.ToDictionary(t => t.Key, t => t.Value);
        foreach (var t in tags.OrderByDescending(t => t.Key.Length + t.Value.Length))
        {
            kept.Remove(t.Key);
            json = JsonSerializer.Serialize(kept);
            if (json.Length <= MaxTagsJson) break;
        }
        return json;
    }
}
