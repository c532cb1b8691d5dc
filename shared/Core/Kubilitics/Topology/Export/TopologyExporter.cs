using System.Text.Json;
using Fleet.Core.Platform.Errors;

namespace Fleet.Core.Kubilitics.Topology.Export;

public sealed record ExportedTopology(byte[] Content, string ContentType, string FileName);

/// <summary>The seed's export formats with their content types and file names.</summary>
public static class TopologyExporter
{
    public static readonly string[] Formats = ["json", "svg", "drawio", "png"];

    public static ExportedTopology Export(TopologyGraph g, string? format) => (format ?? "").Trim().ToLowerInvariant() switch
    {
        "json" => new(JsonSerializer.SerializeToUtf8Bytes(g, Fleet.Core.Platform.Json.FleetJson.Options), "application/json", "topology.json"),
        "svg" => new(SvgExporter.Export(g), "image/svg+xml", "topology.svg"),
        "drawio" => new(DrawioExporter.Export(g), "application/xml", "topology.drawio"),
        "png" => new(PngExporter.Export(g), "image/png", "topology.png"),
        _ => throw FleetException.Validation("format", $"format must be one of {string.Join(", ", Formats)}"),
    };
}
