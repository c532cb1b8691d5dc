using Fleet.Core.Kubernetes;
using Fleet.Core.Platform.Errors;
using Fleet.Core.Platform.Storage;
using Fleet.Functions.Platform.Contract;
using Microsoft.AspNetCore.Mvc;
using Fleet.Core.Platform.Time;
using Fleet.Functions.Platform.Auth;

namespace Fleet.Functions.Snap;

/// <summary>SNAP's cluster configuration routes: the other view of the shared cluster registry.</summary>
public static class SnapClusterFunctions
{
    public sealed record CreateClusterRequest([property: Name] string Name, string? ApiServerUrl = null, string AuthType = "kubeconfig",
        string? KubeconfigContent = null, string? RegistryName = null, string? Context = null);

    public sealed record UpdateClusterRequest([property: Name] string Name, string? ApiServerUrl = null, string? AuthType = null,
        string? KubeconfigContent = null, string? RegistryName = null, string? Context = null);

    public sealed record DeleteClusterRequest([property: Name] string Name);

    public sealed record SnapCluster(string Id, string Name, string ApiServerUrl, string AuthType, string? RegistryName,
        string Status, string? Version, string Provider, string CreatedAt, string? LastConnected)
    {
        public static SnapCluster From(Cluster c) => new(c.Id, c.Name, c.ServerUrl, c.AuthType, c.RegistryName, c.Status,
            c.Version, c.Provider, FleetTime.Format(c.CreatedAt), FleetTime.Format(c.LastConnected));
    }

    public sealed record ClusterResult(bool Success, string Message, SnapCluster Cluster);
    public sealed record ClusterList(bool Success, IReadOnlyList<SnapCluster> Clusters);
    public sealed record Done(bool Success, string Message);

    public static void MapSnapClusters(this RouteGroupBuilder group)
    {
        var g = group.MapGroup("/config/clusters").WithTags("snap");
        g.MapPost("/create", Create).RequireRole(FleetRole.Admin).WithSummary("Create cluster config").Produces<ClusterResult>(StatusCodes.Status201Created);
        g.MapGet("/list", List).RequireRole(FleetRole.Viewer).WithSummary("List cluster configs").Produces<ClusterList>();
        g.MapPut("/update", Update).RequireRole(FleetRole.Admin).WithSummary("Update cluster config").Produces<ClusterResult>();
        g.MapDelete("/delete", Delete).RequireRole(FleetRole.Admin).WithSummary("Delete cluster config").Produces<Done>();
    }

    private static async Task<IResult> Create(CreateClusterRequest body, ClusterRegistry registry, CancellationToken ct)
    {
        RequireKubeconfigAuth(body.AuthType);
        if (string.IsNullOrWhiteSpace(body.KubeconfigContent))
            throw FleetException.Validation("kubeconfig_content", "kubeconfig_content (base64) is required when auth_type is kubeconfig");
        var cluster = await registry.AddAsync(new ClusterRegistration(null, body.KubeconfigContent, body.Context, body.Name,
            body.AuthType, body.RegistryName, body.ApiServerUrl, Base64Field: "kubeconfig_content"), ct);
        return Results.Json(new ClusterResult(true, "Cluster configuration created", SnapCluster.From(cluster)), statusCode: StatusCodes.Status201Created);
    }

    private static async Task<IResult> List(ClusterRegistry registry, CancellationToken ct) =>
        Results.Json(new ClusterList(true, (await registry.ListAsync(ct)).Select(SnapCluster.From).ToList()));

    private static async Task<IResult> Update(UpdateClusterRequest body, ClusterRegistry registry, CancellationToken ct)
    {
        var existing = await registry.GetByNameAsync(body.Name, ct);
        RequireKubeconfigAuth(body.AuthType ?? existing.AuthType);
        var updated = await registry.UpdateAsync(existing.Id,
            new ClusterRegistration(null, body.KubeconfigContent, body.Context, null, body.AuthType ?? existing.AuthType,
                body.RegistryName, body.ApiServerUrl, Base64Field: "kubeconfig_content"), ct);
        return Results.Json(new ClusterResult(true, "Cluster configuration updated", SnapCluster.From(updated)));
    }

    /// <summary>The name may come in the body (as the seed's other config routes send it) or as <c>?name=</c>.</summary>
    private static async Task<IResult> Delete([FromQuery] string? name, HttpRequest request, ClusterRegistry registry, CancellationToken ct)
    {
        if (string.IsNullOrEmpty(name) && request.HasJsonContentType())
            name = (await request.ReadFromJsonAsync<DeleteClusterRequest>(ct))?.Name ?? "";
        if (string.IsNullOrWhiteSpace(name)) throw FleetException.Validation("name", "name is required");
        TableKeys.Require(name, "name");
        var cluster = await registry.GetByNameAsync(name, ct);
        await registry.RemoveAsync(cluster.Id, ct);
        return Results.Json(new Done(true, "Cluster configuration deleted"));
    }

    private static void RequireKubeconfigAuth(string authType)
    {
        if (authType != "kubeconfig")
            throw FleetException.Validation("auth_type", "auth_type must be 'kubeconfig'");
    }
}
