using Fleet.Core.Kubilitics.Topology;
using Fleet.Core.Kubilitics.Topology.Export;
using Fleet.Functions.Platform.Auth;

namespace Fleet.Functions.Kubilitics;

/// <summary>The topology graph, a resource's subgraph, and its exports (json, svg, drawio, png).</summary>
public static class KubiliticsTopologyFunctions
{
    public sealed record ExportRequest(string? Format = null, string? Namespace = null, string? Kinds = null, string? LabelSelector = null, bool ForceRefresh = false);

    public static void MapKubiliticsTopology(this RouteGroupBuilder group)
    {
        var c = group.MapGroup("/v1/clusters/{clusterId}/topology").WithTags("kubilitics");
        c.MapGet("", Get).RequireRole(FleetRole.Viewer).ClusterCall<TopologyGraph>("Topology graph (namespace, kinds, labelSelector, force_refresh)", 400);
        c.MapGet("/resource/{kind}/{namespace}/{name}", Resource).RequireRole(FleetRole.Viewer).ClusterCall<TopologyGraph>("A resource's neighbourhood in the topology", 400);
        c.MapPost("/export", Export).RequireRole(FleetRole.Operator).Accepts<ExportRequest>("application/json")
            .ClusterCall("Export the topology (format json, svg, drawio or png)", "application/octet-stream", 400)
            .Produces(200, contentType: "image/png").Produces(200, contentType: "image/svg+xml").Produces(200, contentType: "application/xml").Produces<TopologyGraph>(200);
        c.MapGet("/export/drawio", Drawio).RequireRole(FleetRole.Viewer).ClusterCall("Export the topology as draw.io XML", "application/xml", 400);
    }

    private static async Task<IResult> Get(string clusterId, string? @namespace, string? kinds, string? labelSelector, string? force_refresh,
        TopologyService topology, CancellationToken ct) =>
        Results.Json(await topology.GetAsync(clusterId, Blank(@namespace), IsTrue(force_refresh), new TopologyFilter(kinds, labelSelector), ct));

    private static async Task<IResult> Resource(string clusterId, string kind, string @namespace, string name, string? force_refresh,
        TopologyService topology, CancellationToken ct) =>
        Results.Json(await topology.ResourceAsync(clusterId, kind, @namespace, name, IsTrue(force_refresh), ct));

    private static async Task<IResult> Export(string clusterId, ExportRequest body, TopologyService topology, CancellationToken ct)
    {
        var filter = new TopologyFilter(body.Kinds, body.LabelSelector);
        if (!TopologyExporter.Formats.Contains((body.Format ?? "").Trim().ToLowerInvariant()))
            throw Core.Platform.Errors.FleetException.Validation("format", $"format must be one of {string.Join(", ", TopologyExporter.Formats)}");
        var graph = await topology.GetAsync(clusterId, Blank(body.Namespace), body.ForceRefresh, filter, ct);
        var file = TopologyExporter.Export(graph, body.Format);
        return Results.File(file.Content, file.ContentType, file.FileName);
    }

    private static async Task<IResult> Drawio(string clusterId, string? @namespace, string? kinds, string? labelSelector, TopologyService topology, CancellationToken ct)
    {
        var graph = await topology.GetAsync(clusterId, Blank(@namespace), false, new TopologyFilter(kinds, labelSelector), ct);
        var file = TopologyExporter.Export(graph, "drawio");
        return Results.File(file.Content, file.ContentType, file.FileName);
    }

    private static string? Blank(string? s) => string.IsNullOrWhiteSpace(s) ? null : s.Trim();
    private static bool IsTrue(string? s) => s is not null && (s.Equals("true", StringComparison.OrdinalIgnoreCase) || s == "1");
}
