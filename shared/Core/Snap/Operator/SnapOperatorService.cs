using Fleet.Core.Kubernetes;
using Fleet.Core.Kubilitics;
using Fleet.Core.Platform.Errors;
using Fleet.Core.Platform.Mesh;
using Fleet.Core.Platform.Storage;
using Fleet.Core.Platform.Time;
using Microsoft.Extensions.Options;

namespace Fleet.Core.Snap.Operator;

/// <summary>What <c>operator/start</c> asks for (seeds/snap-api.md "Operator Endpoints", plus <c>registry_config</c>).</summary>
public sealed record SnapWatcherStart(string? ClusterName, string? Scope, string? Namespace, bool? AutoDeletePod, string? RegistryConfig,
    string? ApiServerUrl, string? StartedBy);

/// <summary>A watcher as <c>operator/status</c> lists it: the seed's fields, its options, and what it has done (per container,
/// deleted per pod).</summary>
public sealed record SnapWatcherView(string ClusterName, string Status, string StartedAt, string Scope, string? Namespace, bool AutoDeletePod,
    string RegistryConfig, string WatcherId, string? Host, string? LastHeartbeat, string? ResourceVersion,
    int Checkpointed, int Pushed, int Deleted, int Failed, int InProgress, int PodsSeen, string? LastError);

public sealed record SnapOperatorStatus(bool Running, IReadOnlyList<SnapWatcherView> ActiveWatchers);

/// <summary>
/// The SnapWatcher's rules: one watcher per registered cluster and fleet, defined in Table storage (<see cref="SnapWatcherStore"/>)
/// and run by whichever host of the fleet holds its lease (<see cref="SnapWatcherHost"/>). Starting one that exists is a 409
/// (its options would otherwise be silently kept); stopping none is a 404.
/// </summary>
public sealed class SnapOperatorService(ClusterRegistry clusters, RegistryConfigService registries, SnapWatcherStore store, MeshTopics topics,
    SnapWatcherHost host, IOptions<SnapWatcherOptions> options)
{
    public string Fleet => topics.FleetName;

    public async Task<SnapWatcherView> StartAsync(SnapWatcherStart body, CancellationToken ct)
    {
        var clusterName = string.IsNullOrWhiteSpace(body.ClusterName)
            ? throw FleetException.Validation("cluster_name", "cluster_name is required") : body.ClusterName;
        var scope = body.Scope ?? SnapWatcherScope.Cluster;
        if (scope is not (SnapWatcherScope.Cluster or SnapWatcherScope.Namespace))
            throw FleetException.Validation("scope", "scope must be 'cluster' (every namespace) or 'namespace' (only the body's namespace)");
        string? ns = null;
        if (scope == SnapWatcherScope.Namespace)
        {
            if (string.IsNullOrWhiteSpace(body.Namespace))
                throw FleetException.Validation("namespace", "namespace is required when scope is 'namespace'");
            ns = KubeNames.Check(body.Namespace, "namespace");
        }
        else if (!string.IsNullOrEmpty(body.Namespace)) KubeNames.Check(body.Namespace, "namespace");
        if (body.RegistryConfig is not null) TableKeys.Require(body.RegistryConfig, "registry_config", 128);

        var cluster = await clusters.GetByNameAsync(clusterName, ct);
        if (!string.IsNullOrWhiteSpace(body.ApiServerUrl) && !SameServer(body.ApiServerUrl, cluster.ServerUrl))
            throw FleetException.Validation("cluster_config.api_server_url",
                $"cluster '{cluster.Name}' is registered with another API server; cluster_config.api_server_url must be its own or left out");
        var registry = await ChooseRegistryAsync(body.RegistryConfig, cluster.RegistryName, ct);
        var entity = await store.AddAsync(new SnapWatcherEntity
        {
            PartitionKey = Fleet, RowKey = cluster.Id, WatchId = Guid.NewGuid().ToString("N"), ClusterName = cluster.Name, Scope = scope,
            Namespace = ns, AutoDeletePod = body.AutoDeletePod ?? false, RegistryConfig = registry, StartedAt = DateTimeOffset.UtcNow,
            StartedBy = body.StartedBy,
        }, ct);
        host.Poke();
        return View(entity, []);
    }

    /// <summary>Stops the cluster's watcher: its definition goes (no host takes it up again) and the host running it is told at once.
    /// Pods already taken up finish their checkpoint and push. Answers the watcher as it ended.</summary>
    public async Task<SnapWatcherView> StopAsync(string? clusterName, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(clusterName)) throw FleetException.Validation("cluster_name", "cluster_name is required");
        var cluster = await clusters.GetByNameAsync(clusterName, ct);
        var entity = await store.GetAsync(Fleet, cluster.Id, ct)
                     ?? throw FleetException.NotFound($"no SnapWatcher runs on cluster '{cluster.Name}'");
        if (!await store.DeleteAsync(entity, ct)) throw FleetException.NotFound($"no SnapWatcher runs on cluster '{cluster.Name}'");
        host.Poke();
        var pods = await store.PodsAsync(entity.WatchId, ct);
        await store.DeletePodsAsync(entity.WatchId, ct);
        return View(entity, pods) with { Status = "stopped" };
    }

    public async Task<SnapOperatorStatus> StatusAsync(CancellationToken ct)
    {
        var list = new List<SnapWatcherView>();
        foreach (var w in await store.ListAsync(Fleet, ct)) list.Add(View(w, await store.PodsAsync(w.WatchId, ct)));
        return new SnapOperatorStatus(list.Any(w => w.Status == "active"), list);
    }

    /// <summary>The registry the images go to: the one named, else the cluster's <c>registry_name</c>, else the only registry config.</summary>
    private async Task<string> ChooseRegistryAsync(string? named, string? clusterRegistry, CancellationToken ct)
    {
        if (!string.IsNullOrEmpty(named)) return (await registries.GetAsync(named, ct, "registry_config")).RowKey;
        var all = await registries.ListAsync(ct);
        if (!string.IsNullOrWhiteSpace(clusterRegistry))
            return all.FirstOrDefault(c => c.RowKey == clusterRegistry)?.RowKey
                   ?? throw FleetException.Validation("registry_config",
                       $"the cluster's registry_name '{clusterRegistry}' names no registry config; give registry_config");
        return all.Count switch
        {
            1 => all[0].RowKey,
            0 => throw FleetException.Validation("registry_config", "no registry config exists: create one (config/registry/create) or give registry_config"),
            _ => throw FleetException.Validation("registry_config",
                $"{all.Count} registry configs exist and the cluster names none: give registry_config"),
        };
    }

    private SnapWatcherView View(SnapWatcherEntity w, IReadOnlyList<SnapWatcherPodEntity> pods)
    {
        var fresh = w.Host is not null && w.HeartbeatAt is { } beat && DateTimeOffset.UtcNow - beat < options.Value.HeartbeatInterval * 3;
        return new SnapWatcherView(w.ClusterName, fresh ? "active" : "pending", FleetTime.Format(w.StartedAt), w.Scope, w.Namespace, w.AutoDeletePod,
            w.RegistryConfig, w.WatchId, fresh ? w.Host : null, FleetTime.Format(w.HeartbeatAt), w.ResourceVersion.Length == 0 ? null : w.ResourceVersion,
            pods.Sum(p => p.Checkpointed), pods.Sum(p => p.Pushed), pods.Count(p => p.Deleted), pods.Sum(p => p.Failed),
            pods.Count(p => p.State == SnapWatcherPodState.InProgress), pods.Count, w.LastError);
    }

    /// <summary>Same scheme, host and port (a trailing slash or path does not matter).</summary>
    private static bool SameServer(string given, string registered) =>
        Uri.TryCreate(given, UriKind.Absolute, out var x) && Uri.TryCreate(registered, UriKind.Absolute, out var y)
        && x.GetLeftPart(UriPartial.Authority).Equals(y.GetLeftPart(UriPartial.Authority), StringComparison.OrdinalIgnoreCase);
}
