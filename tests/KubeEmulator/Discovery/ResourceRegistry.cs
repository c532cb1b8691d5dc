using System.Text.Json.Nodes;

namespace Fleet.KubeEmulator.Discovery;

/// <summary>Every resource the emulator serves: the built-in groups plus CRDs registered at run time.</summary>
public sealed class ResourceRegistry
{
    private readonly object _gate = new();
    private readonly List<ResourceType> _types = [];
    // CRD name -> the types it added, so an update or delete can withdraw them.
    private readonly Dictionary<string, List<ResourceType>> _crdTypes = new();

    public ResourceRegistry()
    {
        foreach (var t in BuiltInResources.All) _types.Add(t);
    }

    public IReadOnlyList<ResourceType> All
    {
        get { lock (_gate) return _types.ToList(); }
    }

    public ResourceType? Find(string group, string version, string plural)
    {
        lock (_gate)
            return _types.FirstOrDefault(t => t.Group == group && t.Version == version && t.Plural == plural);
    }

    public ResourceType? FindByKind(string apiVersion, string kind)
    {
        var (group, version) = SplitApiVersion(apiVersion);
        lock (_gate)
            return _types.FirstOrDefault(t => t.Group == group && t.Version == version && t.Kind == kind);
    }

    public ResourceType? FindAnyVersion(string group, string plural)
    {
        lock (_gate) return _types.FirstOrDefault(t => t.Group == group && t.Plural == plural);
    }

    public static (string Group, string Version) SplitApiVersion(string apiVersion)
    {
        var slash = apiVersion.IndexOf('/');
        return slash < 0 ? ("", apiVersion) : (apiVersion[..slash], apiVersion[(slash + 1)..]);
    }

    /// <summary>Groups in the order /apis lists them, each with its versions (preferred first).</summary>
    public List<(string Group, List<string> Versions)> Groups()
    {
        lock (_gate)
        {
            var result = new List<(string, List<string>)>();
            foreach (var t in _types.Where(t => t.Group.Length > 0))
            {
                var entry = result.FirstOrDefault(g => g.Item1 == t.Group);
                if (entry.Item1 is null) { entry = (t.Group, new List<string>()); result.Add(entry); }
                if (!entry.Item2.Contains(t.Version)) entry.Item2.Add(t.Version);
            }
            return result;
        }
    }

    public void ApplyCrd(JsonObject crd)
    {
        var name = crd["metadata"]?["name"]?.GetValue<string>() ?? "";
        var spec = crd["spec"] as JsonObject;
        if (spec is null) return;
        var group = spec["group"]?.GetValue<string>() ?? "";
        var names = spec["names"] as JsonObject;
        var plural = names?["plural"]?.GetValue<string>() ?? "";
        var kind = names?["kind"]?.GetValue<string>() ?? "";
        var singular = names?["singular"]?.GetValue<string>() ?? kind.ToLowerInvariant();
        var shortNames = (names?["shortNames"] as JsonArray)?.Select(n => n!.GetValue<string>()).ToArray() ?? [];
        var categories = (names?["categories"] as JsonArray)?.Select(n => n!.GetValue<string>()).ToArray();
        var namespaced = (spec["scope"]?.GetValue<string>() ?? "Namespaced") == "Namespaced";
        var added = new List<ResourceType>();
        // The storage version goes first so it is the preferred version in discovery.
        var versions = (spec["versions"] as JsonArray ?? [])
            .OfType<JsonObject>()
            .Where(v => v["served"]?.GetValue<bool>() ?? true)
            .OrderByDescending(v => v["storage"]?.GetValue<bool>() ?? false);
        foreach (var v in versions)
        {
            var subs = new List<string>();
            if (v["subresources"]?["status"] is not null) subs.Add("status");
            if (v["subresources"]?["scale"] is not null) subs.Add("scale");
            added.Add(new ResourceType(group, v["name"]!.GetValue<string>(), plural, singular, kind, namespaced,
                shortNames, subs.ToArray(), Categories: categories));
        }
        lock (_gate)
        {
            RemoveCrdLocked(name);
            _crdTypes[name] = added;
            _types.AddRange(added);
        }
    }

    /// <summary>Stops serving a built-in group (e.g. metrics.k8s.io on a cluster without metrics-server).</summary>
    public void RemoveGroup(string group)
    {
        lock (_gate) _types.RemoveAll(t => t.Group == group);
    }

    public void RemoveCrd(string crdName)
    {
        lock (_gate) RemoveCrdLocked(crdName);
    }

    private void RemoveCrdLocked(string crdName)
    {
        if (!_crdTypes.Remove(crdName, out var old)) return;
        foreach (var t in old) _types.Remove(t);
    }
}
