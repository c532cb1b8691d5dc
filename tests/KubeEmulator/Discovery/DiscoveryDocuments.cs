using System.Text.Json.Nodes;

namespace Fleet.KubeEmulator.Discovery;

/// <summary>The legacy (non-aggregated) discovery documents; clients fall back to them when the
/// response is plain application/json rather than an APIGroupDiscoveryList.</summary>
public static class DiscoveryDocuments
{
    public static JsonObject Version(string gitVersion)
    {
        var parts = gitVersion.TrimStart('v').Split('.');
        return new JsonObject
        {
            ["major"] = parts[0], ["minor"] = parts.Length > 1 ? parts[1] : "0",
            ["gitVersion"] = gitVersion,
            ["gitCommit"] = "a78aa47129b8539636eb86a9d00e31b2720fe06b",
            ["gitTreeState"] = "clean",
            ["buildDate"] = "2024-12-10T00:00:00Z",
            ["goVersion"] = "go1.22.9",
            ["compiler"] = "gc",
            ["platform"] = "linux/amd64",
        };
    }

    public static JsonObject CoreVersions(string serverAddress) => new()
    {
        ["kind"] = "APIVersions",
        ["versions"] = new JsonArray("v1"),
        ["serverAddressByClientCIDRs"] = new JsonArray(new JsonObject { ["clientCIDR"] = "0.0.0.0/0", ["serverAddress"] = serverAddress }),
    };

    public static JsonObject GroupList(ResourceRegistry registry) => new()
    {
        ["kind"] = "APIGroupList",
        ["apiVersion"] = "v1",
        ["groups"] = new JsonArray(registry.Groups().Select(g => (JsonNode?)Group(g.Group, g.Versions)).ToArray()),
    };

    public static JsonObject? Group(ResourceRegistry registry, string group)
    {
        var g = registry.Groups().FirstOrDefault(x => x.Group == group);
        return g.Group is null ? null : Group(g.Group, g.Versions);
    }

    private static JsonObject Group(string name, List<string> versions)
    {
        JsonObject Gv(string v) => new() { ["groupVersion"] = $"{name}/{v}", ["version"] = v };
        return new JsonObject
        {
            ["kind"] = "APIGroup", ["apiVersion"] = "v1",
            ["name"] = name,
            ["versions"] = new JsonArray(versions.Select(v => (JsonNode?)Gv(v)).ToArray()),
            ["preferredVersion"] = Gv(versions[0]),
        };
    }

    public static JsonObject? ResourceList(ResourceRegistry registry, string group, string version)
    {
        var types = registry.All.Where(t => t.Group == group && t.Version == version).ToList();
        if (types.Count == 0) return null;
        var resources = new JsonArray();
        foreach (var t in types)
        {
            var r = new JsonObject
            {
                ["name"] = t.Plural, ["singularName"] = t.Singular, ["namespaced"] = t.Namespaced,
                ["kind"] = t.Kind, ["verbs"] = new JsonArray(t.Verbs.Select(v => (JsonNode?)v).ToArray()),
            };
            if (t.ShortNames.Length > 0) r["shortNames"] = new JsonArray(t.ShortNames.Select(v => (JsonNode?)v).ToArray());
            if (t.Categories is { Length: > 0 }) r["categories"] = new JsonArray(t.Categories.Select(v => (JsonNode?)v).ToArray());
            resources.Add(r);
            foreach (var sub in t.Subresources)
            {
                var (kind, verbs, g, v) = sub switch
                {
                    "scale" => ("Scale", new[] { "get", "patch", "update" }, "autoscaling", "v1"),
                    "status" => (t.Kind, new[] { "get", "patch", "update" }, (string?)null, (string?)null),
                    "log" => ("Pod", new[] { "get" }, null, null),
                    "exec" => ("PodExecOptions", new[] { "create", "get" }, null, null),
                    "proxy" => ("NodeProxyOptions", new[] { "create", "delete", "get", "patch", "update" }, null, null),
                    "binding" => ("Binding", new[] { "create" }, null, null),
                    "eviction" => ("Eviction", new[] { "create" }, "policy", "v1"),
                    "finalize" => ("Namespace", new[] { "update" }, null, null),
                    _ => (t.Kind, new[] { "get" }, null, null),
                };
                var s = new JsonObject
                {
                    ["name"] = $"{t.Plural}/{sub}", ["singularName"] = "", ["namespaced"] = t.Namespaced,
                    ["kind"] = kind, ["verbs"] = new JsonArray(verbs.Select(x => (JsonNode?)x).ToArray()),
                };
                if (g is not null) { s["group"] = g; s["version"] = v; }
                resources.Add(s);
            }
        }
        return new JsonObject
        {
            ["kind"] = "APIResourceList", ["apiVersion"] = "v1",
            ["groupVersion"] = group.Length == 0 ? version : $"{group}/{version}",
            ["resources"] = resources,
        };
    }
}
