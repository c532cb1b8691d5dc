using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Fleet.Core.Kubernetes;
using Fleet.Core.Platform.Errors;

namespace Fleet.Core.Kubilitics;

/// <summary>
/// The resources a cluster serves (built-in kinds and CRDs), read from its discovery documents and cached
/// per cluster for a minute; a name not found refreshes the cache once (a CRD created a moment ago).
/// Names resolve as kubectl resolves them: plural, singular, kind or short name, optionally qualified
/// with the group (<c>deployments.apps</c>, a CRD's own name).
/// </summary>
public sealed class KubeDiscovery(KubeCall kube)
{
    private static readonly TimeSpan Fresh = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan MinRefresh = TimeSpan.FromSeconds(2);
    private readonly ConcurrentDictionary<string, (DateTimeOffset At, IReadOnlyList<ApiResource> Resources)> _cache = new();

    public async Task<IReadOnlyList<ApiResource>> ResourcesAsync(string clusterId, CancellationToken ct, bool refresh = false)
    {
        if (!refresh && _cache.TryGetValue(clusterId, out var c) && DateTimeOffset.UtcNow - c.At < Fresh) return c.Resources;
        if (refresh && _cache.TryGetValue(clusterId, out c) && DateTimeOffset.UtcNow - c.At < MinRefresh) return c.Resources;
        var list = await kube.RunAsync(clusterId, ReadAsync, ct);
        _cache[clusterId] = (DateTimeOffset.UtcNow, list);
        return list;
    }

    /// <summary>The resource <paramref name="name"/> names, or a 404 naming the kind.</summary>
    public async Task<ApiResource> ResolveAsync(string clusterId, string name, CancellationToken ct)
    {
        var found = Match(await ResourcesAsync(clusterId, ct), name) ?? Match(await ResourcesAsync(clusterId, ct, refresh: true), name);
        return found ?? throw new FleetException(FleetErrorKind.NotFound, $"the cluster serves no resource type \"{name}\"", "kind");
    }

    public async Task<ApiResource?> FindAsync(string clusterId, string group, string kindOrPlural, CancellationToken ct) =>
        (await ResourcesAsync(clusterId, ct)).FirstOrDefault(r => r.Group == group && (r.Kind == kindOrPlural || r.Plural == kindOrPlural));

    /// <summary>By apiVersion and kind, as a manifest names its type.</summary>
    public async Task<ApiResource?> FindByKindAsync(string clusterId, string apiVersion, string kind, CancellationToken ct)
    {
        ApiResource? Find(IReadOnlyList<ApiResource> all) => all.FirstOrDefault(r => r.ApiVersion == apiVersion && r.Kind == kind);
        return Find(await ResourcesAsync(clusterId, ct)) ?? Find(await ResourcesAsync(clusterId, ct, refresh: true));
    }

    public static ApiResource? Match(IReadOnlyList<ApiResource> all, string name)
    {
        var n = name.Trim().ToLowerInvariant();
        string? group = null;
        var dot = n.IndexOf('.');
        if (dot > 0) { group = n[(dot + 1)..]; n = n[..dot]; }
        var candidates = all.Where(r => group is null || r.Group == group || r.Group.StartsWith(group + ".", StringComparison.Ordinal));
        // Discovery order: core first, then the groups in the server's order; the first match wins, as with kubectl.
        return candidates.FirstOrDefault(r => r.Plural == n)
               ?? candidates.FirstOrDefault(r => r.Singular == n || r.Kind.Equals(n, StringComparison.OrdinalIgnoreCase))
               ?? candidates.FirstOrDefault(r => r.ShortNames.Contains(n));
    }

    private static async Task<IReadOnlyList<ApiResource>> ReadAsync(FleetKubernetes k, CancellationToken ct)
    {
        var result = new List<ApiResource>();
        Add(result, "", "v1", await k.GetObjectAsync("api/v1", ct));
        var groups = await k.GetObjectAsync("apis", ct);
        var tasks = new List<(string Group, string Version, Task<JsonObject> Doc)>();
        foreach (var g in (groups["groups"] as JsonArray ?? []).OfType<JsonObject>())
        {
            var name = g["name"]?.GetValue<string>() ?? "";
            var version = g["preferredVersion"]?["version"]?.GetValue<string>()
                          ?? (g["versions"] as JsonArray)?.OfType<JsonObject>().FirstOrDefault()?["version"]?.GetValue<string>();
            if (name.Length == 0 || version is null) continue;
            tasks.Add((name, version, k.GetObjectAsync($"apis/{name}/{version}", ct)));
        }
        foreach (var (group, version, doc) in tasks)
        {
            try { Add(result, group, version, await doc); }
            catch (k8s.Autorest.HttpOperationException) { /* an aggregated API that is down: its kinds are simply not served */ }
        }
        return result;
    }

    private static void Add(List<ApiResource> into, string group, string version, JsonObject doc)
    {
        foreach (var r in (doc["resources"] as JsonArray ?? []).OfType<JsonObject>())
        {
            var plural = r["name"]?.GetValue<string>() ?? "";
            if (plural.Length == 0 || plural.Contains('/')) continue; // subresources
            var kind = r["kind"]?.GetValue<string>() ?? "";
            var singular = r["singularName"]?.GetValue<string>() is { Length: > 0 } s ? s : kind.ToLowerInvariant();
            into.Add(new ApiResource(group, version, plural, singular, kind, r["namespaced"]?.GetValue<bool>() ?? false,
                Strings(r["shortNames"]), Strings(r["verbs"])));
        }
    }

    private static List<string> Strings(JsonNode? node) =>
        (node as JsonArray ?? []).Select(x => x?.GetValue<string>() ?? "").Where(x => x.Length > 0).ToList();
}
