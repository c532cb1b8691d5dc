using Fleet.Core.Kubernetes;
using k8s;
using Fleet.Core.Platform.Time;
using Fleet.Functions.Platform.Auth;

namespace Fleet.Functions.Kubilitics;

/// <summary>Kubilitics' cluster routes: one view of the shared cluster registry.</summary>
public static class KubiliticsClusterFunctions
{
    public sealed record AddClusterRequest(string? KubeconfigPath = null, string? KubeconfigBase64 = null, string? Context = null, string? Name = null);

    public sealed record ClusterView(string Id, string Name, string Context, string ServerUrl, string? Version, string Status,
        string Provider, string CreatedAt, string? LastConnected)
    {
        public static ClusterView From(Cluster c) => new(c.Id, c.Name, c.Context, c.ServerUrl, c.Version, c.Status, c.Provider,
            FleetTime.Format(c.CreatedAt), FleetTime.Format(c.LastConnected));
    }

    public static void MapKubiliticsClusters(this RouteGroupBuilder group)
    {
        var clusters = group.MapGroup("/v1/clusters").WithTags("kubilitics");
        clusters.MapGet("", List).RequireRole(FleetRole.Viewer).WithSummary("List clusters");
        clusters.MapPost("", Add).RequireRole(FleetRole.Admin).WithSummary("Add a cluster").Produces<ClusterView>(StatusCodes.Status201Created);
        clusters.MapGet("/discover", Discover).RequireRole(FleetRole.Viewer).WithSummary("Discover clusters from the default kubeconfig");
        clusters.MapGet("/{clusterId}", Get).RequireRole(FleetRole.Viewer).WithSummary("Get a cluster");
        clusters.MapDelete("/{clusterId}", Remove).RequireRole(FleetRole.Admin).WithSummary("Remove a cluster");
        clusters.MapGet("/{clusterId}/summary", Summary).RequireRole(FleetRole.Viewer).WithSummary("Cluster summary statistics");
    }

    public sealed record ClusterSummary(int NodeCount, int NamespaceCount, int PodCount, int DeploymentCount);

    /// <summary>Counts read live from the cluster, through the registry's breaker and timeout.</summary>
    private static async Task<IResult> Summary(string clusterId, ClusterRegistry registry, CancellationToken ct) =>
        Results.Json(await registry.ExecuteAsync(clusterId, async (k, t) =>
        {
            var nodes = await k.CoreV1.ListNodeAsync(cancellationToken: t);
            var namespaces = await k.CoreV1.ListNamespaceAsync(cancellationToken: t);
            var pods = await k.CoreV1.ListPodForAllNamespacesAsync(cancellationToken: t);
            var deployments = await k.AppsV1.ListDeploymentForAllNamespacesAsync(cancellationToken: t);
            return new ClusterSummary(nodes.Items.Count, namespaces.Items.Count, pods.Items.Count, deployments.Items.Count);
        }, ct));

    private static async Task<IResult> List(ClusterRegistry registry, CancellationToken ct) =>
        Results.Json((await registry.ListAsync(ct)).Select(ClusterView.From));

    private static async Task<IResult> Add(AddClusterRequest body, ClusterRegistry registry, CancellationToken ct)
    {
        var c = await registry.AddAsync(new ClusterRegistration(body.KubeconfigPath, body.KubeconfigBase64, body.Context, body.Name), ct);
        return Results.Json(ClusterView.From(c), statusCode: StatusCodes.Status201Created);
    }

    private static IResult Discover() =>
        Results.Json(ClusterRegistry.Discover().Select(d => new { d.Name, d.Context, server_url = d.ServerUrl }));

    private static async Task<IResult> Get(string clusterId, ClusterRegistry registry, CancellationToken ct) =>
        Results.Json(ClusterView.From(await registry.GetAsync(clusterId, ct)));

    private static async Task<IResult> Remove(string clusterId, ClusterRegistry registry, CancellationToken ct)
    {
        await registry.RemoveAsync(clusterId, ct);
        return Results.Json(new { message = "Cluster removed" });
    }
}
