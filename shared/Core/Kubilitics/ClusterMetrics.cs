using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Fleet.Core.Kubernetes;
using Fleet.Core.Platform.Errors;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace Fleet.Core.Kubilitics;

/// <summary>
/// Metrics from the metrics API (<c>metrics.k8s.io</c>, served by metrics-server) combined with the objects' specs.
/// A cluster without that API answers 503 saying so. The summary is cached per cluster for a few seconds.
/// </summary>
public sealed class ClusterMetrics(ClusterRegistry registry, TimeProvider clock)
{
    public const string NoMetricsApi = "The metrics API (metrics.k8s.io) is not available on this cluster: install metrics-server to get metrics";
    public static readonly TimeSpan SummaryCacheTime = TimeSpan.FromSeconds(10);
    private readonly ConcurrentDictionary<string, (DateTimeOffset At, JsonObject Summary)> _summaries = new();

    public async Task<JsonObject> SummaryAsync(string clusterId, CancellationToken ct)
    {
        var started = Stopwatch.GetTimestamp();
        if (_summaries.TryGetValue(clusterId, out var cached) && clock.GetUtcNow() - cached.At < SummaryCacheTime)
            return Wrap(cached.Summary, started, true);
        var summary = await registry.RunAsync(clusterId, async (k, t) =>
        {
            var nodes = await k.CoreV1.ListNodeAsync(cancellationToken: t);
            var usage = await NodeMetricsAsync(k, t);
            decimal cpuTotal = 0, memTotal = 0, cpuUsed = 0, memUsed = 0;
            foreach (var n in nodes.Items)
            {
                cpuTotal += Q(n.Status?.Allocatable, "cpu");
                memTotal += Q(n.Status?.Allocatable, "memory");
            }
            foreach (var m in usage.Items)
            {
                cpuUsed += Q(m.Usage, "cpu");
                memUsed += Q(m.Usage, "memory");
            }
            return new JsonObject
            {
                ["cpu"] = new JsonObject { ["total"] = Cores(cpuTotal), ["used"] = Cores(cpuUsed), ["unit"] = "cores" },
                ["memory"] = new JsonObject { ["total"] = Bytes(memTotal), ["used"] = Bytes(memUsed), ["unit"] = "bytes" },
                ["nodes"] = nodes.Items.Count,
            };
        }, ct);
        _summaries[clusterId] = (clock.GetUtcNow(), summary);
        return Wrap(summary, started, false);
    }

    public Task<JsonObject> ClusterAsync(string clusterId, CancellationToken ct) =>
        registry.RunAsync(clusterId, async (k, t) =>
        {
            var nodes = await k.CoreV1.ListNodeAsync(cancellationToken: t);
            var nodeUsage = (await NodeMetricsAsync(k, t)).Items.ToDictionary(m => m.Metadata.Name);
            var podUsage = await PodMetricsAsync(k, null, t);
            var nodeViews = nodes.Items.Select(n => NodeView(n, nodeUsage.GetValueOrDefault(n.Metadata.Name))).ToList();
            var namespaces = podUsage.Items.GroupBy(p => p.Metadata.NamespaceProperty).OrderBy(g => g.Key, StringComparer.Ordinal)
                .Select(g => (JsonNode)new JsonObject
                {
                    ["namespace"] = g.Key,
                    ["pods"] = g.Count(),
                    ["cpu"] = new JsonObject { ["used"] = Cores(g.Sum(p => p.Containers.Sum(c => Q(c.Usage, "cpu")))), ["unit"] = "cores" },
                    ["memory"] = new JsonObject { ["used"] = Bytes(g.Sum(p => p.Containers.Sum(c => Q(c.Usage, "memory")))), ["unit"] = "bytes" },
                }).ToArray();
            return new JsonObject { ["nodes"] = new JsonArray(nodeViews.ToArray()), ["namespaces"] = new JsonArray(namespaces) };
        }, ct);

    public Task<JsonObject> NodeAsync(string clusterId, string nodeName, CancellationToken ct)
    {
        KubeNames.Check(nodeName, "nodeName");
        return registry.RunAsync(clusterId, async (k, t) =>
        {
            var node = await k.CoreV1.ReadNodeAsync(nodeName, cancellationToken: t);
            var usage = (await NodeMetricsAsync(k, t)).Items.FirstOrDefault(m => m.Metadata.Name == nodeName);
            return NodeView(node, usage);
        }, ct);
    }

    /// <summary>A workload's replicas (from its spec and status) and its pods' usage; pods found through owner references and selector.</summary>
    public Task<JsonObject> WorkloadAsync(string clusterId, string ns, string kind, string name, CancellationToken ct)
    {
        KubeNames.Check(ns, "namespace");
        KubeNames.Check(name, "name");
        return registry.RunAsync(clusterId, async (k, t) =>
        {
            var pods = (await k.CoreV1.ListNamespacedPodAsync(ns, cancellationToken: t)).Items;
            JsonObject replicas;
            List<V1Pod> owned;
            switch (kind)
            {
                case "deployment":
                {
                    var d = await k.AppsV1.ReadNamespacedDeploymentAsync(name, ns, cancellationToken: t);
                    var rsUids = (await k.AppsV1.ListNamespacedReplicaSetAsync(ns, cancellationToken: t)).Items
                        .Where(rs => OwnedBy(rs.Metadata, d.Metadata.Uid)).Select(rs => rs.Metadata.Uid).ToHashSet();
                    owned = pods.Where(p => rsUids.Any(u => OwnedBy(p.Metadata, u)) || (rsUids.Count == 0 && Selects(d.Spec.Selector, p))).ToList();
                    replicas = Replicas(d.Spec.Replicas ?? 1, d.Status?.ReadyReplicas, d.Status?.AvailableReplicas);
                    break;
                }
                case "replicaset":
                {
                    var rs = await k.AppsV1.ReadNamespacedReplicaSetAsync(name, ns, cancellationToken: t);
                    owned = pods.Where(p => OwnedBy(p.Metadata, rs.Metadata.Uid)).ToList();
                    replicas = Replicas(rs.Spec.Replicas ?? 1, rs.Status?.ReadyReplicas, rs.Status?.AvailableReplicas);
                    break;
                }
                case "statefulset":
                {
                    var s = await k.AppsV1.ReadNamespacedStatefulSetAsync(name, ns, cancellationToken: t);
                    owned = pods.Where(p => OwnedBy(p.Metadata, s.Metadata.Uid)).ToList();
                    replicas = Replicas(s.Spec.Replicas ?? 1, s.Status?.ReadyReplicas, s.Status?.AvailableReplicas);
                    break;
                }
                case "daemonset":
                {
                    var ds = await k.AppsV1.ReadNamespacedDaemonSetAsync(name, ns, cancellationToken: t);
                    owned = pods.Where(p => OwnedBy(p.Metadata, ds.Metadata.Uid)).ToList();
                    replicas = Replicas(ds.Status?.DesiredNumberScheduled ?? 0, ds.Status?.NumberReady, ds.Status?.NumberAvailable);
                    break;
                }
                case "job":
                {
                    var j = await k.BatchV1.ReadNamespacedJobAsync(name, ns, cancellationToken: t);
                    owned = pods.Where(p => OwnedBy(p.Metadata, j.Metadata.Uid)).ToList();
                    replicas = Replicas(j.Spec.Completions ?? 1, j.Status?.Ready ?? j.Status?.Active, j.Status?.Succeeded);
                    break;
                }
                case "cronjob":
                {
                    var cj = await k.BatchV1.ReadNamespacedCronJobAsync(name, ns, cancellationToken: t);
                    var jobUids = (await k.BatchV1.ListNamespacedJobAsync(ns, cancellationToken: t)).Items
                        .Where(j => OwnedBy(j.Metadata, cj.Metadata.Uid)).Select(j => j.Metadata.Uid).ToHashSet();
                    owned = pods.Where(p => jobUids.Any(u => OwnedBy(p.Metadata, u))).ToList();
                    replicas = Replicas(cj.Status?.Active?.Count ?? 0, owned.Count(Ready), owned.Count(p => p.Status?.Phase == "Succeeded"));
                    break;
                }
                default:
                    throw FleetException.Validation("kind", $"kind '{kind}' has no metrics (deployment, replicaset, statefulset, daemonset, job, cronjob)");
            }
            var usage = (await PodMetricsAsync(k, ns, t)).Items.ToDictionary(m => m.Metadata.Name);
            var podViews = owned.OrderBy(p => p.Metadata.Name, StringComparer.Ordinal).Select(p => PodView(p, usage.GetValueOrDefault(p.Metadata.Name))).ToList();
            return new JsonObject
            {
                ["kind"] = kind,
                ["namespace"] = ns,
                ["name"] = name,
                ["replicas"] = replicas,
                ["pods"] = new JsonArray(podViews.Select(v => (JsonNode)v).ToArray()),
                ["total"] = Total(owned.Select(p => usage.GetValueOrDefault(p.Metadata.Name))),
            };
        }, ct);
    }

    public Task<JsonObject> PodAsync(string clusterId, string ns, string pod, CancellationToken ct)
    {
        KubeNames.Check(ns, "namespace");
        KubeNames.Check(pod, "pod");
        return registry.RunAsync(clusterId, async (k, t) =>
        {
            var p = await k.CoreV1.ReadNamespacedPodAsync(pod, ns, cancellationToken: t);
            var usage = (await PodMetricsAsync(k, ns, t)).Items.FirstOrDefault(m => m.Metadata.Name == pod);
            return PodView(p, usage);
        }, ct);
    }

    private static JsonObject Wrap(JsonObject summary, long started, bool hit) => new()
    {
        ["summary"] = summary.DeepClone(),
        ["query_ms"] = (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds,
        ["cache_hit"] = hit,
    };

    private static async Task<NodeMetricsList> NodeMetricsAsync(IKubernetes k, CancellationToken t)
    {
        try
        {
            return await k.CustomObjects.ListClusterCustomObjectAsync<NodeMetricsList>("metrics.k8s.io", "v1beta1", "nodes", cancellationToken: t);
        }
        catch (HttpOperationException e) when ((int)e.Response.StatusCode is 404 or 503)
        {
            throw new FleetException(FleetErrorKind.Unavailable, NoMetricsApi);
        }
    }

    private static async Task<PodMetricsList> PodMetricsAsync(IKubernetes k, string? ns, CancellationToken t)
    {
        try
        {
            return ns is null
                ? await k.CustomObjects.ListClusterCustomObjectAsync<PodMetricsList>("metrics.k8s.io", "v1beta1", "pods", cancellationToken: t)
                : await k.CustomObjects.ListNamespacedCustomObjectAsync<PodMetricsList>("metrics.k8s.io", "v1beta1", ns, "pods", cancellationToken: t);
        }
        catch (HttpOperationException e) when ((int)e.Response.StatusCode is 404 or 503)
        {
            throw new FleetException(FleetErrorKind.Unavailable, NoMetricsApi);
        }
    }

    private static JsonObject NodeView(V1Node n, NodeMetrics? m)
    {
        decimal cpuTotal = Q(n.Status?.Allocatable, "cpu"), memTotal = Q(n.Status?.Allocatable, "memory");
        decimal cpuUsed = Q(m?.Usage, "cpu"), memUsed = Q(m?.Usage, "memory");
        return new JsonObject
        {
            ["name"] = n.Metadata.Name,
            ["cpu"] = new JsonObject { ["total"] = Cores(cpuTotal), ["used"] = Cores(cpuUsed), ["percent"] = Percent(cpuUsed, cpuTotal), ["unit"] = "cores" },
            ["memory"] = new JsonObject { ["total"] = Bytes(memTotal), ["used"] = Bytes(memUsed), ["percent"] = Percent(memUsed, memTotal), ["unit"] = "bytes" },
            ["timestamp"] = m?.Timestamp?.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'"),
        };
    }

    private static JsonObject PodView(V1Pod p, PodMetrics? m) => new()
    {
        ["name"] = p.Metadata.Name,
        ["namespace"] = p.Metadata.NamespaceProperty,
        ["node"] = p.Spec?.NodeName,
        ["phase"] = p.Status?.Phase,
        ["cpu"] = new JsonObject { ["used"] = Cores(m?.Containers.Sum(c => Q(c.Usage, "cpu")) ?? 0), ["unit"] = "cores" },
        ["memory"] = new JsonObject { ["used"] = Bytes(m?.Containers.Sum(c => Q(c.Usage, "memory")) ?? 0), ["unit"] = "bytes" },
        ["containers"] = new JsonArray((m?.Containers ?? []).Select(c => (JsonNode)new JsonObject
        {
            ["name"] = c.Name,
            ["cpu"] = Cores(Q(c.Usage, "cpu")),
            ["memory"] = Bytes(Q(c.Usage, "memory")),
        }).ToArray()),
    };

    private static JsonObject Total(IEnumerable<PodMetrics?> usage)
    {
        var list = usage.OfType<PodMetrics>().ToList();
        return new JsonObject
        {
            ["cpu"] = new JsonObject { ["used"] = Cores(list.Sum(p => p.Containers.Sum(c => Q(c.Usage, "cpu")))), ["unit"] = "cores" },
            ["memory"] = new JsonObject { ["used"] = Bytes(list.Sum(p => p.Containers.Sum(c => Q(c.Usage, "memory")))), ["unit"] = "bytes" },
        };
    }

    private static JsonObject Replicas(int desired, int? ready, int? available) =>
        new() { ["desired"] = desired, ["ready"] = ready ?? 0, ["available"] = available ?? 0 };

    private static bool Ready(V1Pod p) => p.Status?.Conditions?.Any(c => c.Type == "Ready" && c.Status == "True") == true;

    private static bool OwnedBy(V1ObjectMeta meta, string uid) => meta.OwnerReferences?.Any(o => o.Uid == uid) == true;

    private static bool Selects(V1LabelSelector? selector, V1Pod p) =>
        selector?.MatchLabels is { Count: > 0 } labels && labels.All(l => p.Metadata.Labels?.TryGetValue(l.Key, out var v) == true && v == l.Value);

    private static decimal Q(IDictionary<string, ResourceQuantity>? values, string key) =>
        values is not null && values.TryGetValue(key, out var q) && q is not null ? q.ToDecimal() : 0m;

    /// <summary>Cores as a decimal string, e.g. "0.25" or "4".</summary>
    public static string Cores(decimal cores) => Math.Round(cores, 3).ToString("0.###", CultureInfo.InvariantCulture);

    /// <summary>Bytes as a Kubernetes binary quantity, e.g. "1536Mi" or "3.5Gi".</summary>
    public static string Bytes(decimal bytes)
    {
        string[] units = ["", "Ki", "Mi", "Gi", "Ti", "Pi"];
        var i = 0;
        while (bytes >= 1024 && i < units.Length - 1 && (bytes / 1024) >= 1) { bytes /= 1024; i++; }
        return Math.Round(bytes, 2).ToString("0.##", CultureInfo.InvariantCulture) + units[i];
    }

    private static double Percent(decimal used, decimal total) => total == 0 ? 0 : Math.Round((double)(used / total * 100), 1);
}
