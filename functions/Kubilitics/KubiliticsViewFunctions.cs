using System.Text.Json.Nodes;
using Fleet.Core.Kubernetes;
using Fleet.Core.Kubilitics;
using Fleet.Core.Platform.Identity;
using Fleet.Functions.Platform.Auth;

namespace Fleet.Functions.Kubilitics;

/// <summary>Kubilitics' cluster views: overview, workloads, kubeconfig download and events.</summary>
public static class KubiliticsViewFunctions
{
    public sealed record OverviewView(KubiliticsClusterFunctions.ClusterView Cluster, ClusterCounts Summary, IReadOnlyList<JsonObject> RecentEvents);
    public sealed record WorkloadsView(int Deployments, int Statefulsets, int Daemonsets, int Jobs, int Cronjobs, int Replicasets, int Pods);
    public sealed record EventListView(IReadOnlyList<JsonObject> Items, EventListMetadata Metadata);
    public sealed record EventListMetadata(string? Continue, int Total);

    public static void MapKubiliticsViews(this RouteGroupBuilder group)
    {
        var clusters = group.MapGroup("/v1/clusters/{clusterId}").WithTags("kubilitics");
        clusters.MapGet("/overview", Overview).RequireRole(FleetRole.Viewer).WithSummary("Cluster overview: cluster, summary and recent events")
            .Produces<OverviewView>().Produces<KubiliticsErrorJson>(404).Produces<KubiliticsErrorJson>(503).Produces<KubiliticsErrorJson>(504);
        clusters.MapGet("/workloads", Workloads).RequireRole(FleetRole.Viewer).WithSummary("Counts per workload kind")
            .Produces<WorkloadsView>().Produces<KubiliticsErrorJson>(404).Produces<KubiliticsErrorJson>(503).Produces<KubiliticsErrorJson>(504);
        clusters.MapGet("/kubeconfig", Kubeconfig).RequireRole(FleetRole.Viewer).WithSummary("Download the cluster's kubeconfig (its one context)")
            .Produces<string>(200, "application/yaml").Produces<KubiliticsErrorJson>(404);
        clusters.MapGet("/events", Events).RequireRole(FleetRole.Viewer).WithSummary("Kubernetes events, newest first")
            .Produces<EventListView>().Produces<KubiliticsErrorJson>(400).Produces<KubiliticsErrorJson>(404).Produces<KubiliticsErrorJson>(503);
    }

    private static async Task<IResult> Overview(string clusterId, ClusterRegistry registry, ClusterViews views, CancellationToken ct)
    {
        var cluster = await registry.GetAsync(clusterId, ct);
        var summary = await views.CountsAsync(clusterId, ct);
        var events = await views.RecentEventsAsync(clusterId, ct);
        return Results.Json(new OverviewView(KubiliticsClusterFunctions.ClusterView.From(cluster), summary, events));
    }

    private static async Task<IResult> Workloads(string clusterId, ClusterViews views, CancellationToken ct)
    {
        var w = await views.WorkloadsAsync(clusterId, ct);
        return Results.Json(new WorkloadsView(w.Deployments, w.Statefulsets, w.Daemonsets, w.Jobs, w.Cronjobs, w.Replicasets, w.Pods));
    }

    /// <summary>The stored kubeconfig cut to this cluster's context; every download is in the audit log.</summary>
    private static async Task<IResult> Kubeconfig(string clusterId, HttpContext http, ClusterRegistry registry, AuditLog audit, CancellationToken ct)
    {
        var kubeconfig = await registry.SingleContextKubeconfigAsync(clusterId, ct);
        var caller = http.User.Caller();
        await audit.RecordAsync("kubeconfig_download", 200, caller?.UserId, caller?.Username, http.ClientIp(),
            $"kubeconfig of cluster '{kubeconfig.Cluster.Name}' (context '{kubeconfig.Cluster.Context}') downloaded",
            clusterId: clusterId, kind: "kubeconfig", name: kubeconfig.Cluster.Name, ct: CancellationToken.None);
        http.Response.Headers.ContentDisposition = $"attachment; filename=\"kubeconfig-{clusterId}.yaml\"";
        http.Response.Headers.CacheControl = "no-store";
        return Results.Text(kubeconfig.Yaml, "application/yaml");
    }

    private static async Task<IResult> Events(string clusterId, string? @namespace, int? limit, string? @continue, ClusterEvents events, CancellationToken ct)
    {
        var page = await events.ListAsync(clusterId, @namespace, limit, @continue, ct);
        return Results.Json(new EventListView(page.Items, new EventListMetadata(page.Continue, page.Total)));
    }
}
