using System.Text.Json.Nodes;
using Fleet.KubeEmulator.Store;

namespace Fleet.KubeEmulator.Patching;

/// <summary>
/// Strategic merge patch for the built-in types: like a merge patch, except that lists with a patch
/// merge key (containers by name, ports by containerPort/port, volumeMounts by mountPath, ...) merge
/// element-wise, and the <c>$patch</c>, <c>$retainKeys</c>, <c>$setElementOrder</c> and
/// <c>$deleteFromPrimitiveList</c> directives are honoured.
/// </summary>
public static class StrategicMergePatch
{
    private static readonly Dictionary<string, string> MergeKeys = new()
    {
        ["containers"] = "name", ["initContainers"] = "name", ["ephemeralContainers"] = "name",
        ["env"] = "name", ["volumes"] = "name", ["volumeMounts"] = "mountPath", ["volumeDevices"] = "devicePath",
        ["imagePullSecrets"] = "name", ["conditions"] = "type", ["hostAliases"] = "ip",
        ["topologySpreadConstraints"] = "topologyKey", ["resourceClaims"] = "name", ["ownerReferences"] = "uid",
        ["finalizers"] = "", ["addresses"] = "type",
    };

    public static JsonObject Apply(JsonObject target, JsonObject patch) => (JsonObject)MergeObject(target, patch);

    private static JsonNode MergeObject(JsonObject? target, JsonObject patch)
    {
        var directive = Json.Str(patch, "$patch");
        if (directive == "replace")
        {
            var replaced = (JsonObject)patch.DeepClone();
            replaced.Remove("$patch");
            return replaced;
        }
        var result = target is null ? new JsonObject() : (JsonObject)target.DeepClone();
        if (patch["$retainKeys"] is JsonArray retain)
        {
            var keep = retain.Select(k => k!.GetValue<string>()).ToHashSet();
            foreach (var k in result.Select(kv => kv.Key).Where(k => !keep.Contains(k)).ToList()) result.Remove(k);
        }
        foreach (var (key, value) in patch)
        {
            if (key is "$patch" or "$retainKeys" || key.StartsWith("$setElementOrder/", StringComparison.Ordinal)) continue;
            if (key.StartsWith("$deleteFromPrimitiveList/", StringComparison.Ordinal))
            {
                var field = key["$deleteFromPrimitiveList/".Length..];
                if (result[field] is JsonArray list && value is JsonArray drop)
                    foreach (var item in list.ToList().Where(i => drop.Any(d => JsonNode.DeepEquals(d, i)))) list.Remove(item);
                continue;
            }
            if (value is null) { result.Remove(key); continue; }
            result[key] = value switch
            {
                JsonObject po => MergeObject(result[key] as JsonObject, po),
                JsonArray pa => MergeList(key, result[key] as JsonArray, pa),
                _ => value.DeepClone(),
            };
        }
        return result;
    }

    private static JsonArray MergeList(string field, JsonArray? target, JsonArray patch)
    {
        var mergeKey = field == "ports" ? PortKey(patch) : MergeKeys.GetValueOrDefault(field);
        if (mergeKey is null || target is null)
            return Strip(patch);
        if (mergeKey.Length == 0)
        {
            // Primitive lists with a merge strategy (finalizers) are unioned.
            var union = (JsonArray)target.DeepClone();
            foreach (var item in patch.Where(i => !union.Any(u => JsonNode.DeepEquals(u, i)))) union.Add(item?.DeepClone());
            return union;
        }
        if (patch.OfType<JsonObject>().Any(p => Json.Str(p, "$patch") == "replace"))
            return Strip(new JsonArray(patch.OfType<JsonObject>().Where(p => Json.Str(p, "$patch") != "replace").Select(p => (JsonNode?)p.DeepClone()).ToArray()));
        var result = (JsonArray)target.DeepClone();
        foreach (var item in patch)
        {
            if (item is not JsonObject p) continue;
            var keyValue = p[mergeKey];
            var existing = result.OfType<JsonObject>().FirstOrDefault(e => JsonNode.DeepEquals(e[mergeKey], keyValue));
            if (Json.Str(p, "$patch") == "delete")
            {
                if (existing is not null) result.Remove(existing);
                continue;
            }
            if (existing is null) result.Add(MergeObject(null, p));
            else result[result.IndexOf(existing)] = MergeObject(existing, p);
        }
        return result;
    }

    // Container ports merge on containerPort, service ports on port.
    private static string PortKey(JsonArray patch) =>
        patch.OfType<JsonObject>().Any(p => p.ContainsKey("containerPort")) ? "containerPort" : "port";

    private static JsonArray Strip(JsonArray list) =>
        new(list.Select(i => i is JsonObject o ? MergeObject(null, o) : i?.DeepClone()).ToArray());
}
