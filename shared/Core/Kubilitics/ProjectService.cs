using Fleet.Core.Kubernetes;
using Fleet.Core.Platform.Errors;
using Fleet.Core.Platform.Identity;

namespace Fleet.Core.Kubilitics;

/// <summary>Who is asking: admins see every project; others only projects with a cluster they hold a permission on.</summary>
public sealed record ProjectViewer(string? UserId, bool SeesAll);

/// <summary>Kubilitics projects: groups of clusters and namespaces (with a team), kept in <see cref="ProjectStore"/>.</summary>
public sealed class ProjectService(ProjectStore store, ClusterRegistry clusters, ClusterPermissionStore permissions)
{
    public async Task<IReadOnlyList<Project>> ListAsync(ProjectViewer viewer, CancellationToken ct)
    {
        var all = await store.ListAsync(ct);
        if (viewer.SeesAll) return all;
        var visible = await VisibleClustersAsync(viewer, ct);
        return all.Where(p => p.Clusters.Any(visible.Contains)).ToList();
    }

    public async Task<Project> GetAsync(string id, ProjectViewer viewer, CancellationToken ct)
    {
        var p = await store.GetAsync(id, ct) ?? throw NotFound(id);
        if (viewer.SeesAll) return p;
        var visible = await VisibleClustersAsync(viewer, ct);
        // A project the caller may not see is answered as if it did not exist.
        return p.Clusters.Any(visible.Contains) ? p : throw NotFound(id);
    }

    public async Task<Project> CreateAsync(string? name, string? description, CancellationToken ct)
    {
        var n = ValidName(name);
        return await store.CreateAsync(n, ValidDescription(description) ?? "", ct);
    }

    public async Task<Project> UpdateAsync(string id, string? name, string? description, CancellationToken ct)
    {
        var n = name is null ? null : ValidName(name);
        var d = ValidDescription(description);
        if (n is null && d is null) throw FleetException.Validation("description", "give name or description to change");
        _ = await store.GetAsync(id, ct) ?? throw NotFound(id);
        await store.UpdateAsync(id, n, d, ct);
        return (await store.GetAsync(id, ct))!;
    }

    public async Task DeleteAsync(string id, CancellationToken ct)
    {
        if (!ProjectStore.IsSafe(id)) throw NotFound(id);
        await store.DeleteAsync(id, ct);
    }

    public async Task AddClusterAsync(string id, string? clusterId, CancellationToken ct)
    {
        var cid = Required(clusterId, "cluster_id");
        _ = await store.GetAsync(id, ct) ?? throw NotFound(id);
        if (!ProjectStore.IsSafe(cid)) throw FleetException.NotFound($"Cluster '{cid}' not found", "CLUSTER_NOT_FOUND");
        await clusters.GetAsync(cid, ct); // 404 for a cluster that is not registered
        await store.AddClusterAsync(id, cid, ct);
    }

    public async Task RemoveClusterAsync(string id, string clusterId, CancellationToken ct)
    {
        if (!ProjectStore.IsSafe(clusterId)) throw FleetException.NotFound($"Cluster '{clusterId}' is not in project '{id}'");
        _ = await store.GetAsync(id, ct) ?? throw NotFound(id);
        if (!await store.RemoveClusterAsync(id, clusterId, ct))
            throw FleetException.NotFound($"Cluster '{clusterId}' is not in project '{id}'");
    }

    /// <summary>Adds a namespace of a registered cluster; the cluster joins the project too if it was not in it.</summary>
    public async Task AddNamespaceAsync(string id, string? clusterId, string? ns, string? team, CancellationToken ct)
    {
        var cid = Required(clusterId, "cluster_id");
        var name = Required(ns, "namespace");
        if (name.Length > 63 || !System.Text.RegularExpressions.Regex.IsMatch(name, "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$"))
            throw FleetException.Validation("namespace", "Field 'namespace' must be a valid Kubernetes namespace name (lower-case letters, digits and '-', at most 63)");
        if (team is { Length: > 200 }) throw FleetException.Validation("team", "Field 'team' must be at most 200 characters");
        var p = await store.GetAsync(id, ct) ?? throw NotFound(id);
        if (!ProjectStore.IsSafe(cid)) throw FleetException.NotFound($"Cluster '{cid}' not found", "CLUSTER_NOT_FOUND");
        await clusters.GetAsync(cid, ct);
        if (!p.Clusters.Contains(cid)) await store.AddClusterAsync(id, cid, ct);
        await store.AddNamespaceAsync(id, cid, name, string.IsNullOrWhiteSpace(team) ? null : team.Trim(), ct);
    }

    public async Task RemoveNamespaceAsync(string id, string clusterId, string ns, CancellationToken ct)
    {
        if (!ProjectStore.IsSafe(clusterId) || !ProjectStore.IsSafe(ns))
            throw FleetException.NotFound($"Namespace '{ns}' of cluster '{clusterId}' is not in project '{id}'");
        _ = await store.GetAsync(id, ct) ?? throw NotFound(id);
        if (!await store.RemoveNamespaceAsync(id, clusterId, ns, ct))
            throw FleetException.NotFound($"Namespace '{ns}' of cluster '{clusterId}' is not in project '{id}'");
    }

    private async Task<HashSet<string>> VisibleClustersAsync(ProjectViewer viewer, CancellationToken ct) =>
        viewer.UserId is null ? [] : (await permissions.ListAsync(viewer.UserId, ct)).Select(p => p.RowKey).ToHashSet();

    private static string ValidName(string? name)
    {
        var n = Required(name, "name");
        if (n.Length > 100 || n.Any(char.IsControl)) throw FleetException.Validation("name", "Field 'name' must be 1 to 100 characters without control characters");
        return n;
    }

    private static string? ValidDescription(string? d) =>
        d is { Length: > 1000 } ? throw FleetException.Validation("description", "Field 'description' must be at most 1000 characters") : d;

    private static string Required(string? value, string field) =>
        string.IsNullOrWhiteSpace(value) ? throw FleetException.Validation(field, $"Field '{field}' is required") : value.Trim();

    private static FleetException NotFound(string id) => FleetException.NotFound($"Project '{id}' not found", "PROJECT_NOT_FOUND");
}

/// <summary>Drops a removed cluster from every project (told by the cluster registry).</summary>
public sealed class ProjectClusterCleanup(ProjectStore store) : IClusterRemovedListener
{
    public Task ClusterRemovedAsync(string clusterId, CancellationToken ct) => store.RemoveClusterEverywhereAsync(clusterId, ct);
}
