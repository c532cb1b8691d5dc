using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Fleet.Core.Kubernetes;
using Fleet.Core.Platform.Errors;
using Microsoft.Extensions.Logging;
using static Fleet.Core.Kubilitics.JsonPaths;

namespace Fleet.Core.Kubilitics.Topology;

/// <summary>
/// The topology of a cluster or a namespace: read from the cluster, built, laid out and cached per cluster
/// and namespace. The first build of a cluster starts watches on every kind the graph shows (from the lists'
/// resourceVersions); any change drops that cluster's cached graphs. <c>force_refresh</c> bypasses the cache.
/// </summary>
public sealed class TopologyService(KubeCall kube, KubeDiscovery discovery, ClusterRegistry registry, ILogger<TopologyService> logger) : IDisposable
{
    private readonly ConcurrentDictionary<(string Cluster, string Ns), TopologyGraph> _cache = new();
    private readonly ConcurrentDictionary<string, CancellationTokenSource> _watches = new();
    private readonly CancellationTokenSource _stopping = new();

    public async Task<TopologyGraph> GetAsync(string clusterId, string? ns, bool forceRefresh, TopologyFilter filter, CancellationToken ct)
    {
        var graph = await FullAsync(clusterId, ns, forceRefresh, ct);
        return filter.IsEmpty ? graph : Narrow(graph, graph.Nodes.Where(filter.Matches).Select(n => n.Id).ToHashSet(StringComparer.Ordinal));
    }

    /// <summary>The resource's neighbourhood: its ancestors and descendants along the edges, and its direct relations.</summary>
    public async Task<TopologyGraph> ResourceAsync(string clusterId, string kind, string ns, string name, bool forceRefresh, CancellationToken ct)
    {
        var rt = await discovery.ResolveAsync(clusterId, kind, ct);
        var clusterScoped = ns is "-" or "_";
        if (rt.Namespaced == clusterScoped)
            throw FleetException.Validation("namespace", rt.Namespaced ? $"{rt.Plural} are namespaced: give a namespace" : $"{rt.Plural} are cluster-scoped: use '-' or '_' as the namespace");
        var graph = await FullAsync(clusterId, rt.Namespaced ? ns : null, forceRefresh, ct);
        var start = graph.Nodes.FirstOrDefault(n => n.Type == rt.Kind && n.Name == name && n.Namespace == (rt.Namespaced ? ns : null))
                    ?? throw FleetException.NotFound($"{rt.Kind} {(rt.Namespaced ? ns + "/" : "")}{name} is not in the topology");
        var outs = graph.Edges.ToLookup(e => e.Source);
        var ins = graph.Edges.ToLookup(e => e.Target);
        var keep = new HashSet<string>(StringComparer.Ordinal) { start.Id };
        void Walk(string from, Func<string, IEnumerable<string>> next)
        {
            var stack = new Stack<string>([from]);
            while (stack.Count > 0)
                foreach (var n in next(stack.Pop()))
                    if (keep.Add(n)) stack.Push(n);
        }
        Walk(start.Id, id => outs[id].Select(e => e.Target));
        Walk(start.Id, id => ins[id].Select(e => e.Source));
        return Narrow(graph, keep);
    }

    private async Task<TopologyGraph> FullAsync(string clusterId, string? ns, bool forceRefresh, CancellationToken ct)
    {
        var key = (clusterId, ns ?? "");
        if (!forceRefresh && _cache.TryGetValue(key, out var cached)) return cached with { Meta = cached.Meta with { Cached = true } };
        var served = await discovery.ResourcesAsync(clusterId, ct);
        var types = TopologyKinds.All.Where(t => served.Any(s => s.Group == t.Group && s.Plural == t.Plural)).Select(t =>
            t with { Version = served.First(s => s.Group == t.Group && s.Plural == t.Plural).Version }).ToList();
        var snapshot = await kube.RunAsync(clusterId, (k, t) => ReadAsync(k, types, ns, t), ct);
        var graph = Build(clusterId, ns, snapshot, DateTimeOffset.UtcNow);
        _cache[key] = graph;
        EnsureWatching(clusterId, types, snapshot);
        return graph;
    }

    /// <summary>Lists every kind the graph shows (namespaced ones in <paramref name="ns"/> when given).</summary>
    public static async Task<TopologySnapshot> ReadAsync(FleetKubernetes k, IReadOnlyList<ApiResource> types, string? ns, CancellationToken ct)
    {
        var snapshot = new TopologySnapshot();
        var reads = types.Select(async t =>
        {
            // The resourceVersion first: a change made while the list is read then still reaches the watch.
            var rv = await ListRvAsync(k, t, ct);
            var items = await ResourceService.ListAllAsync(k, t, t.Namespaced ? ns : null, null, ct);
            return (t, items, rv);
        }).ToList();
        foreach (var r in reads)
        {
            var (t, items, rv) = await r;
            snapshot.Objects[t.Kind] = items;
            snapshot.ResourceVersions[t.Kind] = rv;
        }
        return snapshot;
    }

    private static async Task<string?> ListRvAsync(FleetKubernetes k, ApiResource t, CancellationToken ct) =>
        Str(await k.GetObjectAsync(t.CollectionPath(null) + "?limit=1", ct), "metadata", "resourceVersion");

    /// <summary>Nodes, edges, layout and meta from a snapshot: a pure function of the snapshot (and the time stamp).</summary>
    public static TopologyGraph Build(string clusterId, string? ns, TopologySnapshot snapshot, DateTimeOffset at)
    {
        var (nodes, edges) = TopologyBuilder.Build(snapshot, ns);
        return Layout(clusterId, ns, nodes, edges, at);
    }

    private static TopologyGraph Layout(string clusterId, string? ns, IReadOnlyList<TopologyNode> nodes, IReadOnlyList<TopologyEdge> edges, DateTimeOffset at)
    {
        var layout = LayeredLayout.Compute(nodes, edges);
        var placed = nodes.Select(n => n.At(layout.Positions[n.Id].X, layout.Positions[n.Id].Y)).ToList();
        return new TopologyGraph(clusterId, ns, placed, edges,
            new TopologyMeta(placed.Count, edges.Count, at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture),
                Seed(placed, edges), layout.Width, layout.Height, false));
    }

    private static TopologyGraph Narrow(TopologyGraph g, HashSet<string> keep)
    {
        var nodes = g.Nodes.Where(n => keep.Contains(n.Id)).ToList();
        var edges = g.Edges.Where(e => keep.Contains(e.Source) && keep.Contains(e.Target)).ToList();
        var narrowed = Layout(g.ClusterId, g.Namespace, nodes, edges, DateTimeOffset.Parse(g.Meta.GeneratedAt, System.Globalization.CultureInfo.InvariantCulture));
        return narrowed with { Meta = narrowed.Meta with { Cached = g.Meta.Cached } };
    }

    /// <summary>The layout's seed: a digest of what it was computed from, so equal inputs show equal seeds.</summary>
    private static string Seed(IReadOnlyList<TopologyNode> nodes, IReadOnlyList<TopologyEdge> edges)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var n in nodes) sha.AppendData(Encoding.UTF8.GetBytes(n.Id + "\n"));
        foreach (var e in edges) sha.AppendData(Encoding.UTF8.GetBytes(e.Id + "\n"));
        return "sugiyama-v1-" + Convert.ToHexString(sha.GetHashAndReset())[..16].ToLowerInvariant();
    }

    private void Invalidate(string clusterId)
    {
        foreach (var key in _cache.Keys.Where(k => k.Cluster == clusterId).ToList()) _cache.TryRemove(key, out _);
    }

    private void EnsureWatching(string clusterId, IReadOnlyList<ApiResource> types, TopologySnapshot snapshot)
    {
        if (_stopping.IsCancellationRequested) return;
        var cts = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token);
        if (!_watches.TryAdd(clusterId, cts)) { cts.Dispose(); return; }
        _ = Task.Run(async () =>
        {
            try
            {
                // The cluster's cached client, used outside the per-request timeout: a watch is a long read.
                var client = await registry.ExecuteAsync(clusterId, (k, _) => Task.FromResult((FleetKubernetes)k), cts.Token);
                await Task.WhenAny(types.Select(t => WatchAsync(client, clusterId, t, snapshot.ResourceVersions.GetValueOrDefault(t.Kind), cts.Token)));
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogDebug(e, "Topology watch of cluster {Cluster} ended", clusterId);
            }
            finally
            {
                // Whatever ended the watch, nothing cached can be trusted any more; the next build watches again.
                Invalidate(clusterId);
                _watches.TryRemove(KeyValuePair.Create(clusterId, cts));
                await cts.CancelAsync();
                cts.Dispose();
            }
        });
    }

    private async Task WatchAsync(FleetKubernetes k, string clusterId, ApiResource t, string? rv, CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            var path = t.CollectionPath(null) + "?watch=true&allowWatchBookmarks=true&timeoutSeconds=290" + (rv is null ? "" : "&resourceVersion=" + rv);
            using var response = await k.SendAsync(HttpMethod.Get, path, null, null, ct);
            using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(ct));
            while (await reader.ReadLineAsync(ct) is { } line)
            {
                if (line.Length == 0) continue;
                var e = JsonNode.Parse(line);
                var type = Str(e, "type");
                if (type == "ERROR") return; // 410 Gone and the like: end, invalidate, rebuild from fresh lists
                rv = Str(e, "object", "metadata", "resourceVersion") ?? rv;
                if (type != "BOOKMARK") Invalidate(clusterId);
            }
            await Task.Delay(TimeSpan.FromMilliseconds(200), ct); // the server ended the watch (timeoutSeconds): resume
        }
    }

    public void Dispose()
    {
        _stopping.Cancel();
        _stopping.Dispose();
    }
}
