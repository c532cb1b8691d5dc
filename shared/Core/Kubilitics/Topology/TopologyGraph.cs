using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace Fleet.Core.Kubilitics.Topology;

/// <summary>A node of the graph: one Kubernetes object, with its place in the layout.</summary>
public sealed class TopologyNode
{
    [JsonPropertyName("id")] public required string Id { get; init; }
    [JsonPropertyName("type")] public required string Type { get; init; }
    [JsonPropertyName("name")] public required string Name { get; init; }
    [JsonPropertyName("namespace")] public string? Namespace { get; init; }
    [JsonPropertyName("labels")] public required IReadOnlyDictionary<string, string> Labels { get; init; }
    [JsonPropertyName("status")] public required string Status { get; init; }
    [JsonPropertyName("metadata")] public required JsonObject Metadata { get; init; }
    [JsonPropertyName("x")] public double X { get; set; }
    [JsonPropertyName("y")] public double Y { get; set; }
    [JsonIgnore] public string? Uid { get; init; }

    public TopologyNode At(double x, double y) => new()
    {
        Id = Id, Type = Type, Name = Name, Namespace = Namespace, Labels = Labels, Status = Status, Metadata = Metadata, Uid = Uid, X = x, Y = y,
    };
}

/// <summary>A typed edge: owner, selector, volume, env, ingress, scheduling, service account, rbac, scale.</summary>
public sealed record TopologyEdge(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("source")] string Source,
    [property: JsonPropertyName("target")] string Target,
    [property: JsonPropertyName("type")] string Type,
    [property: JsonPropertyName("label")] string Label);

public sealed record TopologyMeta(
    [property: JsonPropertyName("node_count")] int NodeCount,
    [property: JsonPropertyName("edge_count")] int EdgeCount,
    [property: JsonPropertyName("generated_at")] string GeneratedAt,
    [property: JsonPropertyName("layout_seed")] string LayoutSeed,
    [property: JsonPropertyName("width")] double Width,
    [property: JsonPropertyName("height")] double Height,
    [property: JsonPropertyName("cached")] bool Cached);

/// <summary>The seed's topology document.</summary>
public sealed record TopologyGraph(
    [property: JsonPropertyName("cluster_id")] string ClusterId,
    [property: JsonPropertyName("namespace")] string? Namespace,
    [property: JsonPropertyName("nodes")] IReadOnlyList<TopologyNode> Nodes,
    [property: JsonPropertyName("edges")] IReadOnlyList<TopologyEdge> Edges,
    [property: JsonPropertyName("meta")] TopologyMeta Meta);
