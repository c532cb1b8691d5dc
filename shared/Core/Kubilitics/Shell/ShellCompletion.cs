using System.Collections.Concurrent;
using Fleet.Core.Kubernetes;
using Fleet.Core.Platform.Errors;
using k8s;
using k8s.Models;

namespace Fleet.Core.Kubilitics.Shell;

/// <summary>A resource kind as discovery reports it.</summary>
public sealed record DiscoveredKind(string Group, string Version, string Plural, string Singular, IReadOnlyList<string> ShortNames, bool Namespaced);

/// <summary>
/// IDE-style completion of a kubectl command line at a cursor position: verbs, resource kinds (from the cluster's
/// discovery, cached per cluster for a minute), names of the resources of the chosen kind, and flags.
/// </summary>
public sealed class ShellCompletion(ClusterRegistry registry, TimeProvider clock)
{
    private static readonly TimeSpan DiscoveryCacheTime = TimeSpan.FromMinutes(1);
    private readonly ConcurrentDictionary<string, (DateTimeOffset At, IReadOnlyList<DiscoveredKind> Kinds)> _discovery = new();

    /// <summary>Verbs whose first argument is a resource kind.</summary>
    private static readonly HashSet<string> KindVerbs = ["get", "describe", "delete", "label", "annotate", "patch", "scale", "explain", "top", "create", "wait", "set", "expose", "autoscale", "replace"];

    /// <summary>Verbs whose first argument is a pod name.</summary>
    private static readonly HashSet<string> PodVerbs = ["logs"];

    private static readonly string[] Flags =
    [
        "--all-namespaces", "--container", "--dry-run", "--field-selector", "--namespace", "--output", "--overwrite", "--previous",
        "--replicas", "--selector", "--show-labels", "--since", "--sort-by", "--tail", "--timestamps", "--watch-only",
        "-A", "-c", "-l", "-n", "-o",
    ];

    public async Task<IReadOnlyList<string>> CompleteAsync(string clusterId, string? command, int? position, string ns, CancellationToken ct)
    {
        var line = command ?? "";
        var pos = position ?? line.Length;
        if (pos < 0 || pos > line.Length) throw FleetException.Validation("position", $"Field 'position' must be between 0 and the command's length ({line.Length})");
        var before = line[..pos];
        List<string> words;
        try { words = KubectlCommandParser.Tokenize(before, "command").ToList(); }
        catch (FleetException) { return []; }
        if (words.Count > 0 && words[0] is "kubectl" or "kcli") words.RemoveAt(0);
        var prefix = before.Length == 0 || char.IsWhiteSpace(before[^1]) ? "" : words.LastOrDefault() ?? "";
        var done = prefix.Length > 0 ? words.Take(words.Count - 1).ToList() : words;

        if (prefix.StartsWith('-')) return Matching(Flags, prefix);
        // The value of -n / --namespace: namespaces.
        if (done.Count > 0 && done[^1] is "-n" or "--namespace")
            return Matching(await NamesAsync(clusterId, new DiscoveredKind("", "v1", "namespaces", "namespace", ["ns"], false), ns, ct), prefix);
        var positional = done.Where((w, i) => !w.StartsWith('-') && !(i > 0 && done[i - 1] is "-n" or "--namespace" or "-o" or "--output" or "-l" or "--selector" or "-c" or "--container")).ToList();
        if (positional.Count == 0) return Matching(KubectlCommandParser.AllVerbs, prefix);
        var verb = positional[0];
        if (PodVerbs.Contains(verb))
            return positional.Count == 1 ? Matching(await NamesAsync(clusterId, new DiscoveredKind("", "v1", "pods", "pod", ["po"], true), ns, ct), prefix) : [];
        if (verb == "rollout" && positional.Count == 1) return Matching(["history", "pause", "restart", "resume", "status", "undo"], prefix);
        var kindIndex = verb == "rollout" ? 2 : 1;
        if (!KindVerbs.Contains(verb) && verb != "rollout") return [];
        var kinds = await KindsAsync(clusterId, ct);
        if (positional.Count == kindIndex)
        {
            var offered = kinds.Where(k => k.Plural.StartsWith(prefix, StringComparison.Ordinal) || k.ShortNames.Contains(prefix) || k.Singular == prefix)
                .Select(k => k.Plural).Distinct().Order(StringComparer.Ordinal).ToList();
            return offered;
        }
        if (positional.Count == kindIndex + 1 && verb != "explain" && verb != "create")
        {
            var kind = Find(kinds, positional[kindIndex]);
            return kind is null ? [] : Matching(await NamesAsync(clusterId, kind, ns, ct), prefix);
        }
        return [];
    }

    public async Task<IReadOnlyList<DiscoveredKind>> KindsAsync(string clusterId, CancellationToken ct)
    {
        if (_discovery.TryGetValue(clusterId, out var c) && clock.GetUtcNow() - c.At < DiscoveryCacheTime) return c.Kinds;
        var kinds = await registry.RunAsync(clusterId, async (k, t) =>
        {
            var list = new List<DiscoveredKind>();
            void Add(string group, V1APIResourceList r)
            {
                foreach (var x in r.Resources.Where(x => !x.Name.Contains('/')))
                    list.Add(new DiscoveredKind(group, r.GroupVersion.Contains('/') ? r.GroupVersion.Split('/')[1] : r.GroupVersion, x.Name,
                        string.IsNullOrEmpty(x.SingularName) ? x.Kind.ToLowerInvariant() : x.SingularName, x.ShortNames?.ToList() ?? [], x.Namespaced));
            }
            Add("", await k.CoreV1.GetAPIResourcesAsync(t));
            Add("apps", await k.AppsV1.GetAPIResourcesAsync(t));
            Add("batch", await k.BatchV1.GetAPIResourcesAsync(t));
            Add("networking.k8s.io", await k.NetworkingV1.GetAPIResourcesAsync(t));
            Add("storage.k8s.io", await k.StorageV1.GetAPIResourcesAsync(t));
            Add("rbac.authorization.k8s.io", await k.RbacAuthorizationV1.GetAPIResourcesAsync(t));
            return (IReadOnlyList<DiscoveredKind>)list;
        }, ct);
        _discovery[clusterId] = (clock.GetUtcNow(), kinds);
        return kinds;
    }

    public static DiscoveredKind? Find(IEnumerable<DiscoveredKind> kinds, string word)
    {
        var name = word.Split('.')[0].ToLowerInvariant();
        return kinds.FirstOrDefault(k => k.Plural == name || k.Singular == name || k.ShortNames.Contains(name));
    }

    private async Task<IReadOnlyList<string>> NamesAsync(string clusterId, DiscoveredKind kind, string ns, CancellationToken ct)
    {
        try
        {
            return await registry.RunAsync(clusterId, async (k, t) =>
            {
                using var generic = new GenericClient(k, kind.Group, kind.Version, kind.Plural, disposeClient: false);
                var list = kind.Namespaced
                    ? await generic.ListNamespacedAsync<NameList>(ns, cancel: t)
                    : await generic.ListAsync<NameList>(cancel: t);
                return (IReadOnlyList<string>)(list.Items?.Select(i => i.Metadata?.Name).OfType<string>().Order(StringComparer.Ordinal).ToList() ?? []);
            }, ct);
        }
        catch (FleetException e) when (e.Kind is FleetErrorKind.NotFound or FleetErrorKind.Forbidden)
        {
            return [];
        }
    }

    private static List<string> Matching(IEnumerable<string> values, string prefix) =>
        values.Where(v => v.StartsWith(prefix, StringComparison.Ordinal)).Distinct().ToList();
}

/// <summary>Any list, read only for its items' names.</summary>
public sealed class NameList : IKubernetesObject<V1ListMeta>
{
    [System.Text.Json.Serialization.JsonPropertyName("apiVersion")] public string ApiVersion { get; set; } = "";
    [System.Text.Json.Serialization.JsonPropertyName("kind")] public string Kind { get; set; } = "";
    [System.Text.Json.Serialization.JsonPropertyName("metadata")] public V1ListMeta Metadata { get; set; } = new();
    [System.Text.Json.Serialization.JsonPropertyName("items")] public List<NameListItem>? Items { get; set; }
}

public sealed class NameListItem
{
    [System.Text.Json.Serialization.JsonPropertyName("metadata")] public V1ObjectMeta? Metadata { get; set; }
}
