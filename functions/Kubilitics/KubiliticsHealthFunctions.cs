using System.Text.Json.Serialization;
using Fleet.Core.Platform.Health;
using Fleet.Functions.Platform.Auth;
using Fleet.Functions.Platform.Health;

namespace Fleet.Functions.Kubilitics;

public static class KubiliticsHealthFunctions
{
    /// <summary>The resource kinds the topology view draws.</summary>
    public static readonly IReadOnlyList<string> TopologyKinds =
    [
        "Namespace", "Node", "Pod", "Service", "Endpoints", "Deployment", "ReplicaSet", "StatefulSet", "DaemonSet",
        "Job", "CronJob", "ConfigMap", "Secret", "PersistentVolumeClaim", "PersistentVolume", "StorageClass",
        "Ingress", "IngressClass", "NetworkPolicy", "ServiceAccount", "Role", "RoleBinding", "ClusterRole",
        "ClusterRoleBinding", "HorizontalPodAutoscaler",
    ];

    public sealed record KubiliticsHealth(string Status, string Service, string Version,
        [property: JsonPropertyName("topology_kinds")] IReadOnlyList<string> TopologyKinds);
    public sealed record Capabilities([property: JsonPropertyName("topology_kinds")] IReadOnlyList<string> TopologyKinds);

    public static void MapKubiliticsHealth(this RouteGroupBuilder group)
    {
        group.MapGet("/health", async (FleetHealth health, CancellationToken ct) =>
        {
            var r = await health.CheckAsync(ct);
            return Results.Json(new KubiliticsHealth(r.Healthy ? "healthy" : "unhealthy", "kubilitics-backend", FleetVersion.Value, TopologyKinds),
                statusCode: r.Healthy ? 200 : 503);
        }).Anonymous().WithName("KubiliticsHealth").WithSummary("Health check");

        group.MapGet("/capabilities", () => Results.Json(new Capabilities(TopologyKinds)))
            .Anonymous().WithName("KubiliticsCapabilities").WithSummary("Backend capabilities");
    }
}
