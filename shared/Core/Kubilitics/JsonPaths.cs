using System.Text.Json.Nodes;

namespace Fleet.Core.Kubilitics;

/// <summary>Small readers over the server's JSON objects.</summary>
public static class JsonPaths
{
    public static JsonNode? At(JsonNode? node, params string[] path)
    {
        foreach (var p in path) node = node is JsonObject o ? o[p] : null;
        return node;
    }

    public static string? Str(JsonNode? node, params string[] path) =>
        At(node, path) is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;

    public static long? Long(JsonNode? node, params string[] path) =>
        At(node, path) is JsonValue v ? v.TryGetValue<long>(out var l) ? l : v.TryGetValue<int>(out var i) ? i : v.TryGetValue<double>(out var d) ? (long)d : null : null;

    public static string Name(JsonNode? o) => Str(o, "metadata", "name") ?? "";
    public static string? Namespace(JsonNode? o) => Str(o, "metadata", "namespace");
    public static string? Uid(JsonNode? o) => Str(o, "metadata", "uid");

    public static IEnumerable<JsonObject> Objects(JsonNode? node) => (node as JsonArray)?.OfType<JsonObject>() ?? [];

    public static Dictionary<string, string> Map(JsonNode? node) =>
        (node as JsonObject)?.Where(kv => kv.Value is JsonValue).ToDictionary(kv => kv.Key, kv => kv.Value!.ToString()) ?? new();

    public static Dictionary<string, string> Labels(JsonNode? o) => Map(At(o, "metadata", "labels"));

    public static bool OwnedBy(JsonNode? o, string? ownerUid) =>
        ownerUid is not null && Objects(At(o, "metadata", "ownerReferences")).Any(r => Str(r, "uid") == ownerUid);

    /// <summary>A matchLabels/matchExpressions selector against labels; an empty selector matches everything.</summary>
    public static bool Selects(JsonNode? selector, IReadOnlyDictionary<string, string> labels)
    {
        if (selector is not JsonObject s) return false;
        foreach (var (k, v) in Map(s["matchLabels"]))
            if (!labels.TryGetValue(k, out var actual) || actual != v) return false;
        foreach (var e in Objects(s["matchExpressions"]))
        {
            var key = Str(e, "key") ?? "";
            var values = (e["values"] as JsonArray ?? []).Select(x => x?.ToString() ?? "").ToHashSet();
            var has = labels.TryGetValue(key, out var val);
            var ok = Str(e, "operator") switch
            {
                "In" => has && values.Contains(val!),
                "NotIn" => !has || !values.Contains(val!),
                "Exists" => has,
                "DoesNotExist" => !has,
                _ => false,
            };
            if (!ok) return false;
        }
        return true;
    }

    /// <summary>A plain map selector (Service spec.selector): every pair must match; empty selects nothing.</summary>
    public static bool MapSelects(IReadOnlyDictionary<string, string> selector, IReadOnlyDictionary<string, string> labels) =>
        selector.Count > 0 && selector.All(kv => labels.TryGetValue(kv.Key, out var v) && v == kv.Value);

    public static string LabelSelectorOf(JsonNode? selector) =>
        string.Join(",", Map(At(selector, "matchLabels")).OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"{kv.Key}={kv.Value}"));
}
