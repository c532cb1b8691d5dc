using System.Text.Json.Nodes;
using Fleet.KubeEmulator.Discovery;

namespace Fleet.KubeEmulator.Store;

/// <summary>
/// All API objects as JSON, keyed by resource then namespace/name, with one global resourceVersion
/// counter (like etcd's revision) and an event history so watches can resume from a resourceVersion.
/// Stored objects are never mutated in place: every write stores a fresh clone, so readers may share them.
/// </summary>
public sealed class ObjectStore
{
    private const int HistoryLimit = 50_000;
    private readonly object _gate = new();
    private readonly Dictionary<string, SortedDictionary<string, JsonObject>> _data = new();
    private readonly Queue<WatchEvent> _history = new();
    private readonly List<Watcher> _watchers = [];
    private long _rv = 1;
    private long _compactedRv;
    private int _serviceIpCounter = 10;

    public ObjectStore(ResourceRegistry registry) => Registry = registry;

    public ResourceRegistry Registry { get; }

    public long CurrentResourceVersion
    {
        get { lock (_gate) return _rv; }
    }

    /// <summary>
    /// Forgets the event history up to now, as etcd compaction does: a watch resuming from an older
    /// resourceVersion gets 410 Gone and must list again.
    /// </summary>
    public void Compact()
    {
        lock (_gate)
        {
            _history.Clear();
            _compactedRv = _rv;
        }
    }

    // ---- Seed / inspect API for tests (apiVersion + kind addressing) ----

    /// <summary>Creates the object, or replaces it (ignoring resourceVersion) when it exists. Returns the stored copy.</summary>
    public JsonObject Put(JsonObject obj)
    {
        var rt = TypeOf(Json.Str(obj, "apiVersion"), Json.Str(obj, "kind"));
        var ns = rt.Namespaced ? Json.Namespace(obj) ?? "default" : null;
        lock (_gate)
        {
            if (GetLocked(rt, ns, Json.Name(obj)) is null) return Create(rt, ns, Json.Clone(obj));
            var copy = Json.Clone(obj);
            Json.Meta(copy).Remove("resourceVersion");
            return Update(rt, ns, Json.Name(obj), copy, UpdateKind.Full);
        }
    }

    public JsonObject Put(string json) => Put(Json.Parse(json));

    public JsonObject? Get(string apiVersion, string kind, string? ns, string name)
    {
        var rt = TypeOf(apiVersion, kind);
        var o = Get(rt, rt.Namespaced ? ns ?? "default" : null, name);
        return o is null ? null : Json.Clone(o);
    }

    public List<JsonObject> List(string apiVersion, string kind, string? ns = null)
    {
        var rt = TypeOf(apiVersion, kind);
        return List(rt, ns).Items.Select(Json.Clone).ToList();
    }

    public bool Delete(string apiVersion, string kind, string? ns, string name)
    {
        var rt = TypeOf(apiVersion, kind);
        try { Delete(rt, rt.Namespaced ? ns ?? "default" : null, name); return true; }
        catch (ApiException e) when (e.Code == 404) { return false; }
    }

    private ResourceType TypeOf(string? apiVersion, string? kind) =>
        Registry.FindByKind(apiVersion ?? "", kind ?? "")
        ?? throw new ArgumentException($"no resource serves apiVersion '{apiVersion}' kind '{kind}'");

    // ---- Internal API used by the REST layer and controllers ----

    public JsonObject? Get(ResourceType rt, string? ns, string name)
    {
        lock (_gate) return GetLocked(rt, ns, name);
    }

    private JsonObject? GetLocked(ResourceType rt, string? ns, string name) =>
        _data.TryGetValue(rt.StorageKey, out var m) && m.TryGetValue(Key(ns, name), out var o) ? o : null;

    /// <summary>Objects sorted by namespace/name (the order continue tokens rely on) and the list's resourceVersion.</summary>
    public (List<JsonObject> Items, long ResourceVersion) List(ResourceType rt, string? ns)
    {
        lock (_gate)
        {
            if (!_data.TryGetValue(rt.StorageKey, out var m)) return ([], _rv);
            var items = ns is null
                ? m.Values.ToList()
                : m.Where(kv => kv.Key.StartsWith(ns + "/", StringComparison.Ordinal)).Select(kv => kv.Value).ToList();
            return (items, _rv);
        }
    }

    /// <summary>Creates the object; with <paramref name="dryRun"/> it is admitted and validated but not stored (dryRun=All).</summary>
    public JsonObject Create(ResourceType rt, string? ns, JsonObject obj, bool dryRun = false)
    {
        JsonObject stored;
        lock (_gate)
        {
            var meta = Json.Meta(obj);
            if (rt.Namespaced)
            {
                var bodyNs = Json.Namespace(obj);
                if (bodyNs is not null && bodyNs.Length > 0 && bodyNs != ns)
                    throw ApiException.BadRequest("the namespace of the provided object does not match the namespace sent on the request");
                meta["namespace"] = ns;
                if (GetLocked(Namespaces, null, ns!) is null)
                    throw ApiException.NotFound("namespaces", "", ns!);
            }
            else meta.Remove("namespace");

            var name = Json.Str(meta, "name");
            if (string.IsNullOrEmpty(name))
            {
                var generate = Json.Str(meta, "generateName");
                if (string.IsNullOrEmpty(generate))
                    throw ApiException.Invalid(rt.Kind, rt.Group, "", "metadata.name", "Required value: name or generateName is required");
                do name = generate + Names.RandomSuffix(5);
                while (GetLocked(rt, ns, name) is not null);
                meta["name"] = name;
            }
            Admission.ValidateName(rt, name);
            if (GetLocked(rt, ns, name) is not null) throw ApiException.AlreadyExists(rt.Plural, rt.Group, name);

            obj["apiVersion"] = Json.Str(obj, "apiVersion") ?? rt.GroupVersion;
            obj["kind"] = rt.Kind;
            meta["uid"] = Guid.NewGuid().ToString();
            meta["creationTimestamp"] = Json.Now();
            meta.Remove("deletionTimestamp");
            if (obj["spec"] is not null && rt.Kind != "Pod") meta["generation"] = 1;
            Admission.OnCreate(rt, obj, () => ++_serviceIpCounter);
            if (dryRun) return Reorder(obj);
            meta["resourceVersion"] = (++_rv).ToString();
            stored = Reorder(obj);
            Map(rt)[Key(ns, name)] = stored;
            PublishLocked(Record("ADDED", rt, ns, stored));
            if (IsCrd(rt)) Registry.ApplyCrd(stored);
        }
        return stored;
    }

    public JsonObject Update(ResourceType rt, string? ns, string name, JsonObject obj, UpdateKind kind, bool dryRun = false)
    {
        JsonObject stored;
        lock (_gate)
        {
            var old = GetLocked(rt, ns, name) ?? throw ApiException.NotFound(rt.Plural, rt.Group, name);
            var bodyName = Json.Name(obj);
            if (bodyName.Length > 0 && bodyName != name)
                throw ApiException.BadRequest($"the name of the object ({bodyName}) does not match the name on the URL ({name})");
            var wantRv = Json.Str(obj, "metadata", "resourceVersion");
            if (!string.IsNullOrEmpty(wantRv) && wantRv != Json.Str(old, "metadata", "resourceVersion"))
                throw ApiException.Conflict(rt.Plural, rt.Group, name);

            JsonObject next;
            if (kind == UpdateKind.Status)
            {
                next = Json.Clone(old);
                if (obj["status"] is { } st) next["status"] = st.DeepClone(); else next.Remove("status");
            }
            else
            {
                next = Json.Clone(obj);
                // The main resource cannot change status when a status subresource exists.
                if (kind == UpdateKind.Main && rt.HasStatus)
                {
                    if (old["status"] is { } st) next["status"] = st.DeepClone(); else next.Remove("status");
                }
            }
            next["apiVersion"] = Json.Str(next, "apiVersion") ?? Json.Str(old, "apiVersion");
            next["kind"] = rt.Kind;
            var meta = Json.Meta(next);
            var oldMeta = Json.Meta(old);
            meta["name"] = name;
            if (ns is not null) meta["namespace"] = ns;
            foreach (var f in new[] { "uid", "creationTimestamp", "generation", "deletionTimestamp" })
            {
                if (oldMeta[f] is { } v) meta[f] = v.DeepClone(); else meta.Remove(f);
            }
            meta["resourceVersion"] = oldMeta["resourceVersion"]!.DeepClone();
            if (JsonNode.DeepEquals(next, old)) return old; // no-op writes do not bump resourceVersion
            if (oldMeta["generation"] is not null && !SameSpec(old, next))
                meta["generation"] = (Json.Long(oldMeta, "generation") ?? 1) + 1;
            if (IsCrd(rt)) Admission.CrdStatus(next);
            if (dryRun) return Reorder(next);
            meta["resourceVersion"] = (++_rv).ToString();
            stored = Reorder(next);
            Map(rt)[Key(ns, name)] = stored;
            var e = Record("MODIFIED", rt, ns, stored) with { Previous = old };
            if (IsCrd(rt)) Registry.ApplyCrd(stored);
            PublishLocked(e);
        }
        return stored;
    }

    public JsonObject Delete(ResourceType rt, string? ns, string name)
    {
        lock (_gate)
        {
            var old = GetLocked(rt, ns, name) ?? throw ApiException.NotFound(rt.Plural, rt.Group, name);
            if (rt.Group == "" && rt.Plural == "namespaces")
            {
                // Namespace deletion cascades to everything inside it before the namespace goes.
                foreach (var (key, map) in _data.ToList())
                {
                    var t = Registry.All.FirstOrDefault(x => x.StorageKey == key);
                    if (t is null || !t.Namespaced) continue;
                    foreach (var k in map.Keys.Where(k => k.StartsWith(name + "/", StringComparison.Ordinal)).ToList())
                        RemoveLocked(t, name, map[k]);
                }
                var terminating = Json.Clone(old);
                Json.Meta(terminating)["deletionTimestamp"] = Json.Now();
                Json.Obj(terminating, "status")["phase"] = "Terminating";
                RemoveLocked(rt, null, terminating);
                return terminating;
            }
            if (IsCrd(rt))
            {
                var group = Json.Str(old, "spec", "group") ?? "";
                var plural = Json.Str(old, "spec", "names", "plural") ?? "";
                var t = Registry.FindAnyVersion(group, plural);
                if (t is not null && _data.TryGetValue(t.StorageKey, out var objects))
                    foreach (var o in objects.Values.ToList()) RemoveLocked(t, Json.Namespace(o), o);
                Registry.RemoveCrd(name);
            }
            return RemoveLocked(rt, ns, old);
        }
    }

    private JsonObject RemoveLocked(ResourceType rt, string? ns, JsonObject old)
    {
        Map(rt).Remove(Key(ns, Json.Name(old)));
        var gone = Json.Clone(old);
        Json.Meta(gone)["resourceVersion"] = (++_rv).ToString();
        PublishLocked(Record("DELETED", rt, ns, gone));
        return gone;
    }

    /// <summary>
    /// Registers a watch. With <paramref name="fromRv"/> null or 0 the current objects arrive first as ADDED
    /// (what the real server does for "any"/"most recent"); otherwise events after that version are replayed.
    /// </summary>
    public Watcher Watch(ResourceType? rt, string? ns, long? fromRv)
    {
        lock (_gate)
        {
            var w = new Watcher(rt?.StorageKey, ns, x => { lock (_gate) _watchers.Remove(x); });
            if (fromRv is null or 0)
            {
                if (rt is not null)
                    foreach (var o in List(rt, ns).Items)
                        w.Events.Writer.TryWrite(new WatchEvent("ADDED", rt.StorageKey, Json.Namespace(o), o, _rv));
            }
            else
            {
                if (fromRv < _compactedRv)
                    throw ApiException.Gone($"too old resource version: {fromRv} ({_compactedRv})");
                foreach (var e in _history)
                    if (e.ResourceVersion > fromRv && w.Matches(e)) w.Events.Writer.TryWrite(e);
            }
            _watchers.Add(w);
            return w;
        }
    }

    private WatchEvent Record(string type, ResourceType rt, string? ns, JsonObject obj) =>
        new(type, rt.StorageKey, ns, obj, long.Parse(Json.Str(obj, "metadata", "resourceVersion")!));

    private void PublishLocked(WatchEvent e)
    {
        _history.Enqueue(e);
        while (_history.Count > HistoryLimit) _compactedRv = _history.Dequeue().ResourceVersion;
        foreach (var w in _watchers)
            if (w.Matches(e)) w.Events.Writer.TryWrite(e);
    }

    private SortedDictionary<string, JsonObject> Map(ResourceType rt)
    {
        if (!_data.TryGetValue(rt.StorageKey, out var m))
            _data[rt.StorageKey] = m = new SortedDictionary<string, JsonObject>(StringComparer.Ordinal);
        return m;
    }

    private ResourceType Namespaces => Registry.Find("", "v1", "namespaces")!;

    private static bool IsCrd(ResourceType rt) => rt.Group == "apiextensions.k8s.io" && rt.Plural == "customresourcedefinitions";

    private static string Key(string? ns, string name) => $"{ns ?? ""}/{name}";

    private static bool SameSpec(JsonObject a, JsonObject b)
    {
        var x = Json.Clone(a); var y = Json.Clone(b);
        foreach (var o in new[] { x, y }) { o.Remove("metadata"); o.Remove("status"); }
        return JsonNode.DeepEquals(x, y);
    }

    /// <summary>apiVersion, kind, metadata first, as the real server serialises.</summary>
    private static JsonObject Reorder(JsonObject obj)
    {
        var result = new JsonObject();
        foreach (var k in new[] { "apiVersion", "kind", "metadata" })
            if (obj[k] is { } v) result[k] = v.DeepClone();
        foreach (var (k, v) in obj)
            if (k is not ("apiVersion" or "kind" or "metadata")) result[k] = v?.DeepClone();
        return result;
    }
}

public enum UpdateKind
{
    /// <summary>PUT/PATCH on the resource: status is kept when a status subresource exists.</summary>
    Main,
    /// <summary>PUT/PATCH on /status: only status changes.</summary>
    Status,
    /// <summary>Controllers and seeding: everything but system metadata is replaced.</summary>
    Full,
}
