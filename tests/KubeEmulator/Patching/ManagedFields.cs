using System.Text.Json.Nodes;
using Fleet.KubeEmulator.Store;

namespace Fleet.KubeEmulator.Patching;

/// <summary>
/// The part of server-side apply's field ownership the emulator keeps: each apply manager's fields as
/// <c>fieldsV1</c> (maps by key, lists atomic) in metadata.managedFields.
/// </summary>
public static class ManagedFields
{
    private static readonly HashSet<string> Identity = ["name", "namespace", "uid", "resourceVersion", "generation", "creationTimestamp", "managedFields", "selfLink"];

    /// <summary>The fieldsV1 set of an applied configuration.</summary>
    public static JsonObject Of(JsonObject applied)
    {
        var fields = new JsonObject();
        foreach (var (key, value) in applied)
        {
            if (key is "apiVersion" or "kind" || value is null) continue;
            if (key == "metadata" && value is JsonObject meta)
            {
                var m = new JsonObject();
                foreach (var (mk, mv) in meta)
                    if (!Identity.Contains(mk) && mv is not null) m["f:" + mk] = mv is JsonObject o ? Walk(o) : new JsonObject();
                if (m.Count > 0) fields["f:metadata"] = m;
                continue;
            }
            fields["f:" + key] = value is JsonObject obj ? Walk(obj) : new JsonObject();
        }
        return fields;
    }

    private static JsonObject Walk(JsonObject o)
    {
        var r = new JsonObject();
        foreach (var (k, v) in o)
            if (v is not null) r["f:" + k] = v is JsonObject child ? Walk(child) : new JsonObject();
        return r;
    }

    /// <summary>The fields <paramref name="manager"/> owns through Apply, or null.</summary>
    public static JsonObject? Owned(JsonObject obj, string manager) =>
        Json.Objects(Json.At(obj, "metadata", "managedFields"))
            .FirstOrDefault(e => Json.Str(e, "manager") == manager && Json.Str(e, "operation") == "Apply")?["fieldsV1"] as JsonObject;

    /// <summary>Removes from <paramref name="target"/> the leaves the manager owned before and no longer applies.</summary>
    public static void RemoveDropped(JsonObject target, JsonObject? before, JsonObject now)
    {
        if (before is null) return;
        foreach (var (key, sub) in before)
        {
            if (!key.StartsWith("f:", StringComparison.Ordinal)) continue;
            var name = key[2..];
            var nowSub = now[key] as JsonObject;
            var beforeSub = sub as JsonObject ?? new JsonObject();
            if (nowSub is null)
            {
                target.Remove(name);
                continue;
            }
            if (beforeSub.Count > 0 && target[name] is JsonObject child) RemoveDropped(child, beforeSub, nowSub);
        }
    }

    /// <summary>Records the manager's applied fields; an unchanged set keeps its entry (and its time) as it was.</summary>
    public static void Record(JsonObject obj, string manager, string apiVersion, JsonObject fields)
    {
        var meta = Json.Meta(obj);
        var entries = meta["managedFields"] as JsonArray ?? new JsonArray();
        var mine = entries.OfType<JsonObject>().FirstOrDefault(e => Json.Str(e, "manager") == manager && Json.Str(e, "operation") == "Apply");
        if (mine is not null && JsonNode.DeepEquals(mine["fieldsV1"], fields)) return;
        var kept = entries.OfType<JsonObject>().Where(e => e != mine).Select(e => (JsonNode?)e.DeepClone()).ToList();
        kept.Add(new JsonObject
        {
            ["manager"] = manager, ["operation"] = "Apply", ["apiVersion"] = apiVersion, ["time"] = Json.Now(),
            ["fieldsType"] = "FieldsV1", ["fieldsV1"] = fields.DeepClone(),
        });
        meta["managedFields"] = new JsonArray(kept.ToArray());
    }
}
