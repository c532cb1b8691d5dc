using System.Text.Json.Nodes;
using static Fleet.Core.Kubilitics.JsonPaths;

namespace Fleet.Core.Kubilitics.Topology;

/// <summary>
/// Objects → nodes and typed edges. Deterministic: nodes are taken in kind order then namespace and name,
/// ids are <c>{kind}-{namespace}-{name}</c> (<c>{kind}-{name}</c> when cluster-scoped) and edge ids name
/// their type and ends, so the same cluster state always gives the same graph.
/// </summary>
public sealed class TopologyBuilder
{
    private readonly Dictionary<string, TopologyNode> _nodes = new(StringComparer.Ordinal);
    private readonly Dictionary<(string Kind, string? Ns, string Name), string> _byKey = new();
    private readonly Dictionary<string, string> _byUid = new(StringComparer.Ordinal);
    private readonly Dictionary<string, TopologyEdge> _edges = new(StringComparer.Ordinal);
    private readonly List<(JsonObject Obj, string Id, string Kind)> _objects = [];
    // Pods per namespace and per label pair, so a selector looks only at candidates.
    private readonly Dictionary<(string Ns, string Pair), List<string>> _podsByLabel = new();
    private readonly Dictionary<string, List<string>> _podsByNs = new(StringComparer.Ordinal);
    private readonly HashSet<string> _optional = new(StringComparer.Ordinal);

    public static (List<TopologyNode> Nodes, List<TopologyEdge> Edges) Build(TopologySnapshot snapshot, string? ns)
    {
        var b = new TopologyBuilder();
        foreach (var type in TopologyKinds.All)
        {
            var items = snapshot.Of(type.Kind)
                .Where(o => ns is null || !type.Namespaced || Namespace(o) == ns)
                .Where(o => ns is null || type.Kind != "ClusterRoleBinding")
                .OrderBy(o => Namespace(o) ?? "", StringComparer.Ordinal).ThenBy(Name, StringComparer.Ordinal);
            foreach (var o in items) b.AddNode(type.Kind, o, TopologyKinds.OnlyWhenReferenced(type.Kind, ns is not null));
        }
        foreach (var (obj, id, kind) in b._objects) b.AddEdges(obj, id, kind);
        // Cluster-scoped objects join a namespace's graph when something in it leads to them (Pod→Node, PVC→PV→StorageClass).
        var kept = b._nodes.Keys.Where(id => !b._optional.Contains(id)).ToHashSet(StringComparer.Ordinal);
        for (var grew = true; grew;)
        {
            grew = false;
            foreach (var e in b._edges.Values)
                if (kept.Contains(e.Source) && b._optional.Contains(e.Target) && kept.Add(e.Target)) grew = true;
        }
        var nodes = b._nodes.Values.Where(n => kept.Contains(n.Id))
            .OrderBy(n => TopologyKinds.Order(n.Type)).ThenBy(n => n.Namespace ?? "", StringComparer.Ordinal).ThenBy(n => n.Name, StringComparer.Ordinal).ToList();
        var edges = b._edges.Values.Where(e => kept.Contains(e.Source) && kept.Contains(e.Target)).OrderBy(e => e.Id, StringComparer.Ordinal).ToList();
        return (nodes, edges);
    }

    private void AddNode(string kind, JsonObject o, bool optional)
    {
        var ns = Namespace(o);
        var name = Name(o);
        var id = ns is null ? $"{kind.ToLowerInvariant()}-{name}" : $"{kind.ToLowerInvariant()}-{ns}-{name}";
        for (var n = 2; _nodes.ContainsKey(id); n++) id = $"{id}~{n}";
        var metadata = new JsonObject
        {
            ["uid"] = Uid(o), ["creationTimestamp"] = Str(o, "metadata", "creationTimestamp"), ["apiVersion"] = Str(o, "apiVersion"),
        };
        foreach (var (k, v) in Details(kind, o)) metadata[k] = v;
        _nodes[id] = new TopologyNode { Id = id, Type = kind, Name = name, Namespace = ns, Labels = Labels(o), Status = StatusOf(kind, o), Metadata = metadata, Uid = Uid(o) };
        _byKey[(kind, ns, name)] = id;
        if (Uid(o) is { } uid) _byUid[uid] = id;
        if (optional) _optional.Add(id);
        _objects.Add((o, id, kind));
        if (kind == "Pod" && ns is not null)
        {
            (_podsByNs.TryGetValue(ns, out var list) ? list : _podsByNs[ns] = []).Add(id);
            foreach (var (k, v) in Labels(o))
                (_podsByLabel.TryGetValue((ns, $"{k}={v}"), out var l) ? l : _podsByLabel[(ns, $"{k}={v}")] = []).Add(id);
        }
    }

    private void Edge(string? source, string? target, string type, string label)
    {
        if (source is null || target is null || source == target) return;
        var id = $"{type}:{source}->{target}";
        _edges.TryAdd(id, new TopologyEdge(id, source, target, type, label));
    }

    private string? Find(string kind, string? ns, string? name) =>
        name is not null && _byKey.TryGetValue((kind, ns, name), out var id) ? id : null;

    private void AddEdges(JsonObject o, string id, string kind)
    {
        var ns = Namespace(o);
        foreach (var r in Objects(At(o, "metadata", "ownerReferences")))
            if (Str(r, "uid") is { } uid && _byUid.TryGetValue(uid, out var owner)) Edge(owner, id, "owner", "owns");

        switch (kind)
        {
            case "Pod":
                PodEdges(o, id, ns);
                break;
            case "Service":
                foreach (var pod in SelectPods(ns, Map(At(o, "spec", "selector")))) Edge(id, pod, "selector", "selects");
                break;
            case "NetworkPolicy":
                foreach (var pod in SelectPods(ns, At(o, "spec", "podSelector"))) Edge(id, pod, "selector", "applies to");
                break;
            case "PodDisruptionBudget":
                foreach (var pod in SelectPods(ns, At(o, "spec", "selector"))) Edge(id, pod, "selector", "protects");
                break;
            case "Ingress":
                foreach (var svc in IngressServices(o)) Edge(id, Find("Service", ns, svc), "ingress", "routes to");
                foreach (var tls in Objects(At(o, "spec", "tls"))) Edge(id, Find("Secret", ns, Str(tls, "secretName")), "tls", "tls");
                break;
            case "PersistentVolumeClaim":
                Edge(id, Find("PersistentVolume", null, Str(o, "spec", "volumeName")), "volume", "bound to");
                if (Str(o, "spec", "volumeName") is null) Edge(id, Find("StorageClass", null, Str(o, "spec", "storageClassName")), "storage", "class");
                break;
            case "PersistentVolume":
                Edge(id, Find("StorageClass", null, Str(o, "spec", "storageClassName")), "storage", "class");
                break;
            case "RoleBinding" or "ClusterRoleBinding":
                var roleKind = Str(o, "roleRef", "kind");
                Edge(id, roleKind == "ClusterRole" ? Find("ClusterRole", null, Str(o, "roleRef", "name")) : Find("Role", ns, Str(o, "roleRef", "name")), "rbac", "binds");
                foreach (var s in Objects(o["subjects"]))
                    if (Str(s, "kind") == "ServiceAccount") Edge(id, Find("ServiceAccount", Str(s, "namespace") ?? ns, Str(s, "name")), "rbac", "grants");
                break;
            case "HorizontalPodAutoscaler":
                Edge(id, Find(Str(o, "spec", "scaleTargetRef", "kind") ?? "", ns, Str(o, "spec", "scaleTargetRef", "name")), "scale", "scales");
                break;
        }
    }

    private void PodEdges(JsonObject pod, string id, string? ns)
    {
        var spec = pod["spec"];
        foreach (var cm in RelationsService.References(spec, RelationsService.ConsumedKind.ConfigMap).Order(StringComparer.Ordinal))
            Edge(id, Find("ConfigMap", ns, cm), Mounted(spec, "configMap", cm) ? "volume" : "env", Mounted(spec, "configMap", cm) ? "mounts" : "env");
        foreach (var s in RelationsService.References(spec, RelationsService.ConsumedKind.Secret).Order(StringComparer.Ordinal))
            Edge(id, Find("Secret", ns, s), Mounted(spec, "secret", s) ? "volume" : "env", Mounted(spec, "secret", s) ? "mounts" : "env");
        foreach (var c in RelationsService.References(spec, RelationsService.ConsumedKind.PersistentVolumeClaim).Order(StringComparer.Ordinal))
            Edge(id, Find("PersistentVolumeClaim", ns, c), "volume", "mounts");
        Edge(id, Find("Node", null, Str(spec, "nodeName")), "scheduling", "runs on");
        Edge(id, Find("ServiceAccount", ns, Str(spec, "serviceAccountName") ?? "default"), "serviceaccount", "uses");
    }

    private static bool Mounted(JsonNode? spec, string kind, string name) =>
        Objects(At(spec, "volumes")).Any(v => kind == "configMap" ? Str(v, "configMap", "name") == name : Str(v, "secret", "secretName") == name)
        || Objects(At(spec, "volumes")).SelectMany(v => Objects(At(v, "projected", "sources"))).Any(s => Str(s, kind, "name") == name);

    private IEnumerable<string> SelectPods(string? ns, IReadOnlyDictionary<string, string> selector)
    {
        if (ns is null || selector.Count == 0) return [];
        var first = selector.Select(kv => _podsByLabel.GetValueOrDefault((ns, $"{kv.Key}={kv.Value}")) ?? []).MinBy(l => l.Count)!;
        return first.Where(p => JsonPaths.MapSelects(selector, _nodes[p].Labels));
    }

    private IEnumerable<string> SelectPods(string? ns, JsonNode? selector)
    {
        if (ns is null || selector is not JsonObject) return [];
        var candidates = Map(selector["matchLabels"]) is { Count: > 0 } ml
            ? ml.Select(kv => _podsByLabel.GetValueOrDefault((ns, $"{kv.Key}={kv.Value}")) ?? []).MinBy(l => l.Count)!
            : _podsByNs.GetValueOrDefault(ns) ?? [];
        return candidates.Where(p => JsonPaths.Selects(selector, _nodes[p].Labels));
    }

    private static IEnumerable<string> IngressServices(JsonObject ing)
    {
        if (Str(ing, "spec", "defaultBackend", "service", "name") is { } d) yield return d;
        foreach (var rule in Objects(At(ing, "spec", "rules")))
            foreach (var path in Objects(At(rule, "http", "paths")))
                if (Str(path, "backend", "service", "name") is { } s) yield return s;
    }

    private static IEnumerable<(string, JsonNode?)> Details(string kind, JsonObject o)
    {
        switch (kind)
        {
            case "Deployment" or "StatefulSet" or "ReplicaSet":
                yield return ("replicas", Long(o, "spec", "replicas") ?? 0);
                yield return ("readyReplicas", Long(o, "status", "readyReplicas") ?? 0);
                break;
            case "Pod":
                yield return ("nodeName", Str(o, "spec", "nodeName"));
                yield return ("podIP", Str(o, "status", "podIP"));
                break;
            case "Service":
                yield return ("serviceType", Str(o, "spec", "type"));
                yield return ("clusterIP", Str(o, "spec", "clusterIP"));
                break;
        }
    }

    /// <summary>A one-word status for the node's colour.</summary>
    public static string StatusOf(string kind, JsonObject o)
    {
        switch (kind)
        {
            case "Pod":
                var phase = Str(o, "status", "phase") ?? "Unknown";
                if (phase == "Running" && Objects(At(o, "status", "conditions")).Any(c => Str(c, "type") == "Ready" && Str(c, "status") != "True")) return "NotReady";
                return phase;
            case "Deployment" or "StatefulSet" or "ReplicaSet":
                var want = Long(o, "spec", "replicas") ?? 1;
                var ready = Long(o, "status", "readyReplicas") ?? 0;
                return want == 0 ? "ScaledDown" : ready >= want ? "Ready" : ready > 0 ? "Degraded" : "Pending";
            case "DaemonSet":
                return (Long(o, "status", "numberReady") ?? 0) >= (Long(o, "status", "desiredNumberScheduled") ?? 0) ? "Ready" : "Degraded";
            case "Job":
                var conditions = Objects(At(o, "status", "conditions")).Where(c => Str(c, "status") == "True").Select(c => Str(c, "type")).ToList();
                return conditions.Contains("Failed") ? "Failed" : conditions.Contains("Complete") ? "Complete" : "Running";
            case "PersistentVolumeClaim" or "PersistentVolume" or "Namespace":
                return Str(o, "status", "phase") ?? "Pending";
            case "Node":
                return Objects(At(o, "status", "conditions")).Any(c => Str(c, "type") == "Ready" && Str(c, "status") == "True") ? "Ready" : "NotReady";
            case "CronJob":
                return At(o, "spec", "suspend") is JsonValue v && v.TryGetValue<bool>(out var s) && s ? "Suspended" : "Active";
            default:
                return "Active";
        }
    }
}
