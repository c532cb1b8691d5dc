using System.Text.Json.Nodes;
using Fleet.Core.Platform.Errors;
using static Fleet.Core.Kubilitics.JsonPaths;

namespace Fleet.Core.Kubilitics;

public sealed record SearchResult(string Kind, string? Namespace, string Name, string Match, int Score);

/// <summary>
/// The command palette's search: names, labels and annotations of the common kinds, ranked (exact name,
/// name prefix, name part, label, annotation), ties by kind, namespace and name.
/// </summary>
public sealed class SearchService(KubeCall kube, KubeDiscovery discovery)
{
    public const int DefaultLimit = 25;
    public const int MaxLimit = 200;

    private static readonly string[] Kinds = ["namespaces", "nodes", "deployments", "statefulsets", "daemonsets", "cronjobs", "jobs", "pods", "services", "ingresses", "configmaps", "secrets", "persistentvolumeclaims", "persistentvolumes", "serviceaccounts", "storageclasses"];

    public async Task<IReadOnlyList<SearchResult>> SearchAsync(string clusterId, string? q, string? limitText, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(q)) throw FleetException.Validation("q", "q (the text to search for) is required");
        var limit = DefaultLimit;
        if (!string.IsNullOrEmpty(limitText) && (!int.TryParse(limitText, out limit) || limit < 1 || limit > MaxLimit))
            throw FleetException.Validation("limit", $"limit must be an integer from 1 to {MaxLimit}");
        var needle = q.Trim().ToLowerInvariant();
        var served = await discovery.ResourcesAsync(clusterId, ct);
        var types = Kinds.Select(p => served.FirstOrDefault(r => r.Plural == p && r.Group is "" or "apps" or "batch" or "networking.k8s.io" or "storage.k8s.io"))
            .OfType<ApiResource>().ToList();
        return await kube.RunAsync(clusterId, async (k, t) =>
        {
            var found = new List<(SearchResult Result, int KindOrder)>();
            for (var i = 0; i < types.Count; i++)
            {
                foreach (var o in await ResourceService.ListAllAsync(k, types[i], null, null, t))
                {
                    var (score, match) = Score(o, needle);
                    if (score > 0) found.Add((new SearchResult(types[i].Kind, Namespace(o), Name(o), match, score), i));
                }
            }
            return (IReadOnlyList<SearchResult>)found
                .OrderByDescending(f => f.Result.Score).ThenBy(f => f.KindOrder)
                .ThenBy(f => f.Result.Namespace ?? "", StringComparer.Ordinal).ThenBy(f => f.Result.Name, StringComparer.Ordinal)
                .Take(limit).Select(f => f.Result).ToList();
        }, ct);
    }

    private static (int Score, string Match) Score(JsonObject o, string needle)
    {
        var name = Name(o).ToLowerInvariant();
        if (name == needle) return (100, "name");
        if (name.StartsWith(needle, StringComparison.Ordinal)) return (80, "name");
        if (name.Contains(needle, StringComparison.Ordinal)) return (60, "name");
        foreach (var (key, value) in Labels(o))
        {
            var kv = $"{key}={value}".ToLowerInvariant();
            if (kv == needle || value.Equals(needle, StringComparison.OrdinalIgnoreCase)) return (50, "label");
            if (kv.Contains(needle, StringComparison.Ordinal)) return (40, "label");
        }
        foreach (var (key, value) in Map(At(o, "metadata", "annotations")))
            if (key.Contains(needle, StringComparison.OrdinalIgnoreCase) || (value.Length <= 512 && value.Contains(needle, StringComparison.OrdinalIgnoreCase)))
                return (20, "annotation");
        return (0, "");
    }
}
