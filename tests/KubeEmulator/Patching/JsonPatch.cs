using System.Text.Json.Nodes;
using Fleet.KubeEmulator.Store;

namespace Fleet.KubeEmulator.Patching;

/// <summary>RFC 6902 JSON patch (add, remove, replace, move, copy, test) over JSON pointers.</summary>
public static class JsonPatch
{
    public static JsonObject Apply(JsonObject target, JsonArray ops)
    {
        JsonNode root = target.DeepClone();
        foreach (var op in ops.OfType<JsonObject>())
        {
            var kind = Json.Str(op, "op");
            var path = Json.Str(op, "path") ?? throw ApiException.BadRequest("json patch operation has no path");
            switch (kind)
            {
                case "add": root = Add(root, path, op["value"]?.DeepClone()); break;
                case "remove": Remove(root, path); break;
                case "replace": Remove(root, path); root = Add(root, path, op["value"]?.DeepClone()); break;
                case "move":
                {
                    var from = Json.Str(op, "from")!;
                    var v = Resolve(root, from)?.DeepClone();
                    Remove(root, from); root = Add(root, path, v); break;
                }
                case "copy": root = Add(root, path, Resolve(root, Json.Str(op, "from")!)?.DeepClone()); break;
                case "test":
                    if (!JsonNode.DeepEquals(Resolve(root, path), op["value"]))
                        throw new ApiException(422, "Invalid", $"the server rejected our request due to an error in our request: testing value {path} failed");
                    break;
                default: throw ApiException.BadRequest($"Unexpected kind: {kind}");
            }
        }
        return root as JsonObject ?? throw ApiException.BadRequest("json patch result is not an object");
    }

    private static string[] Split(string pointer) =>
        pointer.Length == 0 ? [] : pointer[1..].Split('/').Select(s => s.Replace("~1", "/").Replace("~0", "~")).ToArray();

    private static string ParentPointer(string[] parts) =>
        "/" + string.Join('/', parts[..^1].Select(p => p.Replace("~", "~0").Replace("/", "~1")));

    private static JsonNode? Resolve(JsonNode root, string pointer)
    {
        JsonNode? node = root;
        foreach (var part in Split(pointer))
        {
            node = node switch
            {
                JsonObject o => o.TryGetPropertyValue(part, out var v) ? v : throw Missing(pointer),
                JsonArray a when int.TryParse(part, out var i) && i >= 0 && i < a.Count => a[i],
                _ => throw Missing(pointer),
            };
        }
        return node;
    }

    private static JsonNode Add(JsonNode root, string pointer, JsonNode? value)
    {
        var parts = Split(pointer);
        if (parts.Length == 0) return value ?? throw ApiException.BadRequest("cannot replace the root with null");
        var parent = parts.Length == 1 ? root : Resolve(root, ParentPointer(parts));
        var last = parts[^1];
        switch (parent)
        {
            case JsonObject o: o[last] = value; break;
            case JsonArray a:
                if (last == "-") a.Add(value);
                else if (int.TryParse(last, out var i) && i >= 0 && i <= a.Count) a.Insert(i, value);
                else throw Missing(pointer);
                break;
            default: throw Missing(pointer);
        }
        return root;
    }

    private static void Remove(JsonNode root, string pointer)
    {
        var parts = Split(pointer);
        if (parts.Length == 0) throw ApiException.BadRequest("cannot remove the document root");
        var parent = parts.Length == 1 ? root : Resolve(root, ParentPointer(parts));
        var last = parts[^1];
        switch (parent)
        {
            case JsonObject o when o.ContainsKey(last): o.Remove(last); break;
            case JsonArray a when int.TryParse(last, out var i) && i >= 0 && i < a.Count: a.RemoveAt(i); break;
            default: throw Missing(pointer);
        }
    }

    private static ApiException Missing(string pointer) =>
        new(422, "Invalid", $"the server rejected our request due to an error in our request: doc is missing path: \"{pointer}\"");
}
