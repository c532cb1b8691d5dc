using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Fleet.KubeEmulator.Store;

/// <summary>Small helpers over JsonNode for the metadata fields every object carries.</summary>
public static class Json
{
    // Go's encoding/json escapes quotes as \" and leaves other characters alone; match it.
    private static readonly JsonSerializerOptions WireOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>The wire form of a node, as the API server writes it.</summary>
    public static string Serialize(this JsonNode node) => node.ToJsonString(WireOptions);

    public static string? Str(JsonNode? node, params string[] path)
    {
        var n = At(node, path);
        return n is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;
    }

    public static JsonNode? At(JsonNode? node, params string[] path)
    {
        foreach (var p in path)
        {
            if (node is not JsonObject o || !o.TryGetPropertyValue(p, out node)) return null;
        }
        return node;
    }

    public static long? Long(JsonNode? node, params string[] path)
    {
        var n = At(node, path);
        if (n is not JsonValue v) return null;
        if (v.TryGetValue<long>(out var l)) return l;
        if (v.TryGetValue<int>(out var i)) return i;
        if (v.TryGetValue<double>(out var d)) return (long)d;
        if (v.TryGetValue<string>(out var s) && long.TryParse(s, out l)) return l;
        return null;
    }

    public static JsonObject Obj(JsonObject parent, string key)
    {
        if (parent[key] is JsonObject o) return o;
        o = new JsonObject();
        parent[key] = o;
        return o;
    }

    public static JsonObject Meta(JsonObject obj) => Obj(obj, "metadata");

    public static string Name(JsonObject obj) => Str(obj, "metadata", "name") ?? "";

    public static string? Namespace(JsonObject obj) => Str(obj, "metadata", "namespace");

    public static string? Uid(JsonObject obj) => Str(obj, "metadata", "uid");

    public static Dictionary<string, string> Labels(JsonNode? obj, params string[] path)
    {
        var result = new Dictionary<string, string>();
        if (At(obj, path.Length == 0 ? ["metadata", "labels"] : path) is JsonObject labels)
            foreach (var (k, v) in labels)
                if (v is JsonValue jv && jv.TryGetValue<string>(out var s)) result[k] = s;
        return result;
    }

    public static JsonObject Clone(JsonObject o) => (JsonObject)o.DeepClone();

    /// <summary>RFC 3339 with second precision, the form metav1.Time serialises to.</summary>
    public static string Now() => Time(DateTimeOffset.UtcNow);

    public static string Time(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    public static JsonObject Parse(string json) =>
        JsonNode.Parse(json) as JsonObject ?? throw ApiException.BadRequest("the request body is not a JSON object");

    public static JsonArray Array(JsonObject parent, string key)
    {
        if (parent[key] is JsonArray a) return a;
        a = new JsonArray();
        parent[key] = a;
        return a;
    }

    public static IEnumerable<JsonObject> Objects(JsonNode? node) => (node as JsonArray)?.OfType<JsonObject>() ?? [];
}
