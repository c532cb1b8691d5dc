using System.Text.Json.Nodes;
using Fleet.Core.Kubilitics;
using Fleet.Functions.Platform.Auth;

namespace Fleet.Functions.Kubilitics;

/// <summary>Kubilitics metrics from metrics.k8s.io and the objects' specs; 503 on a cluster without the metrics API.</summary>
public static class KubiliticsMetricsFunctions
{
    private static readonly string[] Kinds = ["deployment", "replicaset", "statefulset", "daemonset", "job", "cronjob"];

    public static void MapKubiliticsMetrics(this RouteGroupBuilder group)
    {
        var metrics = group.MapGroup("/v1/clusters/{clusterId}/metrics").WithTags("kubilitics").RequireRole(FleetRole.Viewer);
        Describe(metrics.MapGet("/summary", (string clusterId, ClusterMetrics m, CancellationToken ct) => Json(m.SummaryAsync(clusterId, ct)))
            .WithSummary("Unified metrics summary (cpu and memory total and used; cached briefly)"));
        Describe(metrics.MapGet("", (string clusterId, ClusterMetrics m, CancellationToken ct) => Json(m.ClusterAsync(clusterId, ct)))
            .WithSummary("Cluster metrics per node and namespace"));
        Describe(metrics.MapGet("/nodes/{nodeName}", (string clusterId, string nodeName, ClusterMetrics m, CancellationToken ct) =>
            Json(m.NodeAsync(clusterId, nodeName, ct))).WithSummary("Node metrics"));
        foreach (var kind in Kinds)
            Describe(metrics.MapGet($"/{{namespace}}/{kind}/{{name}}", (string clusterId, string @namespace, string name, ClusterMetrics m, CancellationToken ct) =>
                Json(m.WorkloadAsync(clusterId, @namespace, kind, name, ct))).WithSummary($"Metrics of a {kind} and its pods"));
        Describe(metrics.MapGet("/{namespace}/{pod}", (string clusterId, string @namespace, string pod, ClusterMetrics m, CancellationToken ct) =>
            Json(m.PodAsync(clusterId, @namespace, pod, ct))).WithSummary("Pod metrics"));
    }

    private static async Task<IResult> Json(Task<JsonObject> value) => Results.Json(await value);

    private static void Describe(RouteHandlerBuilder b) =>
        b.Produces<JsonObject>().Produces<KubiliticsErrorJson>(400).Produces<KubiliticsErrorJson>(404)
            .Produces<KubiliticsErrorJson>(503).Produces<KubiliticsErrorJson>(504);
}
