using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using Fleet.Core.Kubernetes;
using k8s;
using k8s.Autorest;
using Microsoft.Extensions.Logging;

namespace Fleet.Core.Kubilitics;

/// <summary>One change of a watched resource, in the Kubilitics seed's WebSocket shape.</summary>
public sealed record ResourceChange(string Type, string ClusterId, string Kind, string? Namespace, string Name, JsonObject Data, DateTimeOffset Timestamp);

/// <summary>A kind the topology shows, watched for <c>ws/resources</c>.</summary>
public sealed record WatchedKind(string Kind, string Group, string Version, string Plural, bool Namespaced);

/// <summary>A client's view of a cluster's watches; disposing it unsubscribes (the last one stops the watches).</summary>
public sealed class ResourceSubscription(ChannelReader<ResourceChange> reader, Task ready, Action onDispose) : IDisposable
{
    private int _disposed;
    public ChannelReader<ResourceChange> Reader => reader;

    /// <summary>Completes once every kind has been listed and is being watched: changes after this are delivered.</summary>
    public Task Ready => ready;
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0) onDispose();
    }
}

/// <summary>
/// Kubernetes watches turned into <c>RESOURCE_ADDED|UPDATED|DELETED</c> changes. All clients of one cluster and
/// namespace share one set of watches (one per kind). A watch the server ends is resumed from the last
/// resourceVersion seen, so nothing between is lost; a 410 Gone (history compacted) lists again and reports the
/// difference to what was known (objects gone while the watch was down arrive as DELETED).
/// </summary>
public sealed class ResourceWatchHub(ClusterRegistry registry, ILogger<ResourceWatchHub> logger) : IDisposable
{
    public static readonly IReadOnlyList<WatchedKind> Kinds =
    [
        new("Pod", "", "v1", "pods", true),
        new("Service", "", "v1", "services", true),
        new("ConfigMap", "", "v1", "configmaps", true),
        new("PersistentVolumeClaim", "", "v1", "persistentvolumeclaims", true),
        new("Deployment", "apps", "v1", "deployments", true),
        new("ReplicaSet", "apps", "v1", "replicasets", true),
        new("StatefulSet", "apps", "v1", "statefulsets", true),
        new("DaemonSet", "apps", "v1", "daemonsets", true),
        new("Job", "batch", "v1", "jobs", true),
        new("CronJob", "batch", "v1", "cronjobs", true),
        new("Ingress", "networking.k8s.io", "v1", "ingresses", true),
        new("Node", "", "v1", "nodes", false),
    ];

    private readonly ClusterRegistry _registry = registry;
    private readonly ILogger<ResourceWatchHub> _logger = logger;
    private readonly ConcurrentDictionary<string, WatchGroup> _groups = new();
    private readonly object _gate = new();

    /// <summary>Subscribes to a cluster (all namespaces when <paramref name="ns"/> is null; nodes only then).</summary>
    public ResourceSubscription Subscribe(string clusterId, string? ns)
    {
        var key = clusterId + "/" + (ns ?? "");
        var channel = Channel.CreateBounded<ResourceChange>(new BoundedChannelOptions(2048) { FullMode = BoundedChannelFullMode.DropOldest });
        WatchGroup group;
        lock (_gate)
        {
            group = _groups.GetOrAdd(key, _ => new WatchGroup(this, clusterId, ns));
            group.Add(channel.Writer);
        }
        return new ResourceSubscription(channel.Reader, group.Ready, () =>
        {
            lock (_gate)
            {
                if (group.Remove(channel.Writer) == 0)
                {
                    _groups.TryRemove(key, out _);
                    group.Stop();
                }
            }
            channel.Writer.TryComplete();
        });
    }

    /// <summary>Watch groups running now (for tests: many clients, one group).</summary>
    public int ActiveGroups => _groups.Count;

    public void Dispose()
    {
        foreach (var g in _groups.Values) g.Stop();
        _groups.Clear();
    }

    private sealed class WatchGroup
    {
        private readonly ResourceWatchHub _hub;
        private readonly string _clusterId;
        private readonly string? _ns;
        private readonly List<ChannelWriter<ResourceChange>> _subscribers = [];
        private readonly CancellationTokenSource _stop = new();
        private readonly List<TaskCompletionSource> _listed = [];

        public WatchGroup(ResourceWatchHub hub, string clusterId, string? ns)
        {
            _hub = hub;
            _clusterId = clusterId;
            _ns = ns;
            foreach (var kind in Kinds.Where(k => k.Namespaced || ns is null))
            {
                var listed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                _listed.Add(listed);
                _ = Task.Run(() => RunAsync(kind, listed, _stop.Token));
            }
            Ready = Task.WhenAll(_listed.Select(l => l.Task));
        }

        public Task Ready { get; }

        public void Add(ChannelWriter<ResourceChange> w) { lock (_subscribers) _subscribers.Add(w); }

        public int Remove(ChannelWriter<ResourceChange> w)
        {
            lock (_subscribers)
            {
                _subscribers.Remove(w);
                return _subscribers.Count;
            }
        }

        public void Stop() => _stop.Cancel();

        private void Publish(string type, WatchedKind kind, JsonObject obj)
        {
            var meta = obj["metadata"] as JsonObject;
            var change = new ResourceChange(type, _clusterId, kind.Kind, (string?)meta?["namespace"], (string?)meta?["name"] ?? "", obj, DateTimeOffset.UtcNow);
            lock (_subscribers)
                foreach (var s in _subscribers) s.TryWrite(change);
        }

        private async Task RunAsync(WatchedKind kind, TaskCompletionSource listed, CancellationToken ct)
        {
            var known = new Dictionary<string, JsonObject>(StringComparer.Ordinal);
            string? rv = null;
            var failures = 0;
            var relist = false;
            IKubernetes? client = null;
            try
            {
                while (!ct.IsCancellationRequested)
                {
                    try
                    {
                        client ??= await _hub._registry.StreamingClientAsync(_clusterId, ct);
                        if (rv is null)
                        {
                            rv = await ListAsync(client, kind, known, reportDifferences: relist, ct);
                            relist = true;
                            listed.TrySetResult();
                        }
                        var gone = false;
                        var watch = _ns is null || !kind.Namespaced
                            ? client.CustomObjects.WatchListClusterCustomObjectAsync(kind.Group, kind.Version, kind.Plural,
                                allowWatchBookmarks: true, resourceVersion: rv, timeoutSeconds: 300, onError: e => gone |= IsGone(e), cancellationToken: ct)
                            : client.CustomObjects.WatchListNamespacedCustomObjectAsync(kind.Group, kind.Version, _ns, kind.Plural,
                                allowWatchBookmarks: true, resourceVersion: rv, timeoutSeconds: 300, onError: e => gone |= IsGone(e), cancellationToken: ct);
                        await foreach (var (type, raw) in watch)
                        {
                            failures = 0;
                            var obj = raw is JsonElement element ? JsonNode.Parse(element.GetRawText()) as JsonObject : null;
                            if (obj?["metadata"] is not JsonObject meta) continue;
                            if ((string?)meta["resourceVersion"] is { } newRv) rv = newRv;
                            if (type == WatchEventType.Bookmark) continue;
                            if (type == WatchEventType.Error) { gone = true; break; }
                            var key = Key(meta);
                            switch (type)
                            {
                                case WatchEventType.Added:
                                    Publish(known.ContainsKey(key) ? "RESOURCE_UPDATED" : "RESOURCE_ADDED", kind, obj);
                                    known[key] = obj;
                                    break;
                                case WatchEventType.Modified:
                                    Publish(known.ContainsKey(key) ? "RESOURCE_UPDATED" : "RESOURCE_ADDED", kind, obj);
                                    known[key] = obj;
                                    break;
                                case WatchEventType.Deleted:
                                    known.Remove(key);
                                    Publish("RESOURCE_DELETED", kind, obj);
                                    break;
                            }
                        }
                        // The server ended the watch: resume from rv, or list again after 410 Gone.
                        if (gone)
                        {
                            _hub._logger.LogInformation("Watch of {Kind} on cluster {Cluster} expired (410); listing again", kind.Plural, _clusterId);
                            rv = null;
                        }
                    }
                    catch (OperationCanceledException) when (ct.IsCancellationRequested) { break; }
                    catch (Exception e) when (IsGone(e))
                    {
                        rv = null;
                    }
                    catch (Exception e)
                    {
                        failures++;
                        _hub._logger.LogWarning("Watch of {Kind} on cluster {Cluster} failed ({Error}); retrying", kind.Plural, _clusterId, e.GetType().Name);
                        if (failures > 3) { client?.Dispose(); client = null; }
                        try { await Task.Delay(TimeSpan.FromSeconds(Math.Min(30, failures)), ct); }
                        catch (OperationCanceledException) { break; }
                    }
                }
            }
            finally
            {
                listed.TrySetCanceled();
                client?.Dispose();
            }
        }

        /// <summary>Lists the kind; with <paramref name="reportDifferences"/> publishes what differs from <paramref name="known"/>.</summary>
        private async Task<string> ListAsync(IKubernetes client, WatchedKind kind, Dictionary<string, JsonObject> known, bool reportDifferences, CancellationToken ct)
        {
            var raw = _ns is null || !kind.Namespaced
                ? await client.CustomObjects.ListClusterCustomObjectAsync(kind.Group, kind.Version, kind.Plural, cancellationToken: ct)
                : await client.CustomObjects.ListNamespacedCustomObjectAsync(kind.Group, kind.Version, _ns, kind.Plural, cancellationToken: ct);
            var list = JsonNode.Parse(((JsonElement)raw).GetRawText())!.AsObject();
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var item in (list["items"] as JsonArray ?? []).OfType<JsonObject>())
            {
                item["kind"] ??= kind.Kind;
                item["apiVersion"] ??= kind.Group.Length == 0 ? kind.Version : $"{kind.Group}/{kind.Version}";
                if (item["metadata"] is not JsonObject meta) continue;
                var key = Key(meta);
                seen.Add(key);
                if (reportDifferences)
                {
                    if (!known.TryGetValue(key, out var before)) Publish("RESOURCE_ADDED", kind, item);
                    else if ((string?)before["metadata"]?["resourceVersion"] != (string?)meta["resourceVersion"]) Publish("RESOURCE_UPDATED", kind, item);
                }
                known[key] = item;
            }
            foreach (var key in known.Keys.Where(k => !seen.Contains(k)).ToList())
            {
                if (reportDifferences) Publish("RESOURCE_DELETED", kind, known[key]);
                known.Remove(key);
            }
            return (string?)list["metadata"]?["resourceVersion"] ?? "";
        }

        private static string Key(JsonObject meta) => $"{(string?)meta["namespace"]}/{(string?)meta["name"]}";

        private static bool IsGone(Exception e) =>
            e is KubernetesException { Status.Code: 410 } || e is HttpOperationException { Response.StatusCode: System.Net.HttpStatusCode.Gone };
    }
}
