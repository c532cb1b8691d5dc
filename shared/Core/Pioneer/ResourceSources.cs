using Fleet.Core.Homei;
using Fleet.Core.KubeEdge;
using Fleet.Core.Kubernetes;
using Fleet.Core.Platform.Storage;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;

namespace Fleet.Core.Pioneer;

/// <summary>Homei's containers (every container of the engine) with their latest docker stats.</summary>
public sealed class HomeiResourceSource(ContainerRuntime runtime, HomeiContainers containers, ILogger<HomeiResourceSource> log)
{
    public static readonly TimeSpan StatsTimeout = TimeSpan.FromSeconds(5);

    public async Task<IReadOnlyList<ResourceFacts>> ReadAsync(CancellationToken ct)
    {
        var all = await runtime.ListAsync(ct);
        using var gate = new SemaphoreSlim(8);
        var tasks = all.Select(async c =>
        {
            var shortId = HomeiServiceManager.Short(c.ID);
            var status = HomeiContainers.ContainerStatus(c.State);
            double? cpu = null, mem = null;
            if (status == "running")
            {
                await gate.WaitAsync(ct);
                try
                {
                    using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
                    timeout.CancelAfter(StatsTimeout);
                    var s = await containers.StatsAsync(shortId, timeout.Token);
                    cpu = Math.Round(s.CpuPercent, 2);
                    mem = s.MemoryUsage.Usage;
                }
                catch (Exception e) when (!ct.IsCancellationRequested)
                {
                    log.LogDebug("No stats for container {Id}: {Message}", shortId, e.Message);
                }
                finally { gate.Release(); }
            }
            var tags = (c.Labels ?? new Dictionary<string, string>()).ToDictionary(k => k.Key, k => k.Value);
            return new ResourceFacts(ResourceIds.Container(shortId), c.Names?.FirstOrDefault()?.TrimStart('/') ?? shortId, "container", status,
                new ResourceMetrics(cpu, mem, null), tags, UsedCores: cpu / 100, UsedMemoryBytes: mem);
        });
        return await Task.WhenAll(tasks);
    }
}

/// <summary>KubeEdge's devices from the device store (every cluster's partition).</summary>
public sealed class KubeEdgeResourceSource(FleetStorage storage)
{
    public async Task<IReadOnlyList<ResourceFacts>> ReadAsync(CancellationToken ct)
    {
        await storage.EnsureTableAsync(DeviceService.Table, ct);
        var list = new List<ResourceFacts>();
        await foreach (var d in storage.Table<DeviceEntity>(DeviceService.Table).QueryAllAsync(ct: ct))
        {
            var tags = new Dictionary<string, string> { ["node"] = d.NodeName, ["model"] = d.Model, ["protocol"] = d.Protocol, ["namespace"] = d.Namespace };
            list.Add(new ResourceFacts(ResourceIds.Device(d.RowKey), d.RowKey, "device", d.Status, new ResourceMetrics(null, null, null), tags, EdgeDevice: true));
        }
        return list;
    }
}

/// <summary>What one read of every registered cluster found: the resources, the clusters read completely, every registered cluster.</summary>
public sealed record ClusterReads(IReadOnlyList<ResourceFacts> Facts, IReadOnlyList<string> Read, IReadOnlyList<string> Registered);

/// <summary>Nodes, deployments and pods of every registered cluster, with usage from metrics.k8s.io where the cluster serves it.</summary>
public sealed class KubernetesResourceSource(ClusterRegistry registry, ILogger<KubernetesResourceSource> log)
{
    public async Task<IReadOnlyList<ResourceFacts>> ReadAsync(CancellationToken ct) => (await ReadClustersAsync(ct)).Facts;

    /// <summary>Every registered cluster's resources, which clusters were read completely, and which are registered.</summary>
    public async Task<ClusterReads> ReadClustersAsync(CancellationToken ct)
    {
        var clusters = await registry.ListAsync(ct);
        var per = await Task.WhenAll(clusters.Select(async c =>
        {
            try { return (c.Id, Facts: await registry.ExecuteAsync(c.Id, (k, t) => ReadClusterAsync(c, k, t), ct)); }
            catch (Exception e) when (!ct.IsCancellationRequested)
            {
                log.LogWarning("Cluster {Cluster} left out of the inventory: {Message}", c.Name, e.Message);
                return (c.Id, Facts: (List<ResourceFacts>?)null);
            }
        }));
        return new ClusterReads(per.SelectMany(x => x.Facts ?? []).ToList(),
            per.Where(x => x.Facts is not null).Select(x => x.Id).ToList(), clusters.Select(c => c.Id).ToList());
    }

    private async Task<List<ResourceFacts>> ReadClusterAsync(Cluster cluster, IKubernetes k, CancellationToken ct)
    {
        var nodes = await k.CoreV1.ListNodeAsync(cancellationToken: ct);
        var pods = await k.CoreV1.ListPodForAllNamespacesAsync(cancellationToken: ct);
        var deployments = await k.AppsV1.ListDeploymentForAllNamespacesAsync(cancellationToken: ct);
        var podUsage = new Dictionary<(string, string), (double Cores, double Bytes)>();
        var nodeUsage = new Dictionary<string, (double Cores, double Bytes)>();
        try
        {
            foreach (var m in (await k.GetKubernetesPodsMetricsAsync()).Items)
                podUsage[(m.Metadata.NamespaceProperty, m.Metadata.Name)] =
                    (m.Containers.Sum(x => Q(x.Usage, "cpu")), m.Containers.Sum(x => Q(x.Usage, "memory")));
            foreach (var m in (await k.GetKubernetesNodesMetricsAsync()).Items)
                nodeUsage[m.Metadata.Name] = (Q(m.Usage, "cpu"), Q(m.Usage, "memory"));
        }
        catch (Exception e) when (!ct.IsCancellationRequested)
        {
            log.LogDebug("Cluster {Cluster} serves no metrics.k8s.io: {Message}", cluster.Name, e.Message);
        }

        var list = new List<ResourceFacts>();
        foreach (var n in nodes.Items)
        {
            var cores = Q(n.Status?.Capacity, "cpu");
            var memory = Q(n.Status?.Capacity, "memory");
            var ready = n.Status?.Conditions?.Any(c => c.Type == "Ready" && c.Status == "True") == true;
            double? cpu = null, mem = null;
            if (nodeUsage.TryGetValue(n.Metadata.Name, out var u))
            {
                cpu = cores > 0 ? Math.Round(u.Cores * 100 / cores, 2) : null;
                mem = u.Bytes;
            }
            list.Add(new ResourceFacts(ResourceIds.Node(cluster.Id, n.Metadata.Name), n.Metadata.Name, "instance", ready ? "running" : "not_ready",
                new ResourceMetrics(cpu, mem, null), Tags(cluster, n.Metadata), RequestedCores: cores, RequestedMemoryBytes: memory,
                UsedCores: u.Cores, UsedMemoryBytes: u.Bytes));
        }
        foreach (var p in pods.Items)
        {
            var key = (p.Metadata.NamespaceProperty, p.Metadata.Name);
            var has = podUsage.TryGetValue(key, out var u);
            var containers = p.Spec?.Containers ?? [];
            list.Add(new ResourceFacts(ResourceIds.Pod(cluster.Id, key.NamespaceProperty, key.Name), key.Name, "pod",
                (p.Status?.Phase ?? "unknown").ToLowerInvariant(),
                new ResourceMetrics(has ? Math.Round(u.Cores * 100, 2) : null, has ? u.Bytes : null, null), Tags(cluster, p.Metadata),
                RequestedCores: containers.Sum(c => Q(c.Resources?.Requests, "cpu")), UsedCores: has ? u.Cores : null,
                RequestedMemoryBytes: containers.Sum(c => Q(c.Resources?.Requests, "memory")), UsedMemoryBytes: has ? u.Bytes : null));
        }
        foreach (var d in deployments.Items)
        {
            var replicas = d.Spec?.Replicas ?? 1;
            var containers = d.Spec?.Template?.Spec?.Containers ?? [];
            var ready = (d.Status?.AvailableReplicas ?? 0) >= replicas;
            list.Add(new ResourceFacts(ResourceIds.Deployment(cluster.Id, d.Metadata.NamespaceProperty, d.Metadata.Name), d.Metadata.Name, "deployment",
                ready ? "running" : "progressing", new ResourceMetrics(null, null, null), Tags(cluster, d.Metadata),
                RequestedCores: replicas * containers.Sum(c => Q(c.Resources?.Requests, "cpu")),
                RequestedMemoryBytes: replicas * containers.Sum(c => Q(c.Resources?.Requests, "memory"))));
        }
        return list;
    }

    private static Dictionary<string, string> Tags(Cluster cluster, V1ObjectMeta meta)
    {
        var tags = new Dictionary<string, string>(meta.Labels ?? new Dictionary<string, string>()) { ["cluster"] = cluster.Name };
        if (meta.NamespaceProperty is { } ns) tags["namespace"] = ns;
        return tags;
    }

    private static double Q(IDictionary<string, ResourceQuantity>? values, string name) =>
        values is not null && values.TryGetValue(name, out var q) && q is not null ? q.ToDouble() : 0;
}
