using System.Text.Json.Nodes;
using Fleet.Core.Platform.Errors;
using k8s.Autorest;

namespace Fleet.Core.Kubilitics;

/// <summary>One document's outcome, as the seed's <c>applied</c> list shows it.</summary>
public sealed record AppliedResource(string Kind, string? Namespace, string Name, string Action);

/// <summary>
/// Server-side apply of a batch with Fleet's field manager. Every document is first applied with
/// dryRun=All, so an invalid one (400 naming its index and field) leaves the whole batch unapplied; a
/// document whose apply would remove fields Fleet applied before needs X-Confirm-Destructive. (Objects in a namespace
/// the same batch creates are validated when applied, after that namespace: they cannot be dry-run before it exists.)
/// </summary>
public sealed class ApplyService(KubeCall kube, KubeDiscovery discovery)
{
    public const string FieldManager = "fleet";

    private sealed record Doc(int Index, JsonObject Body, ApiResource Type, string? Namespace, string Name);

    public async Task<IReadOnlyList<AppliedResource>> ApplyAsync(string clusterId, string body, string? contentType, bool confirmed, CancellationToken ct)
    {
        var parsed = ManifestParser.Parse(body, contentType);
        var docs = new List<Doc>();
        for (var i = 0; i < parsed.Count; i++) docs.Add(await DescribeAsync(clusterId, i, parsed[i], ct));
        var dup = docs.GroupBy(d => (d.Type.Plural, d.Type.Group, d.Namespace, d.Name)).FirstOrDefault(g => g.Count() > 1);
        if (dup is not null) throw FleetException.Validation($"documents[{dup.Last().Index}].metadata.name", $"documents[{dup.Last().Index}].metadata.name repeats {dup.Key.Plural} {dup.Key.Name}");

        return await kube.RunAsync(clusterId, async (k, t) =>
        {
            // 1. Everything is validated by the API server before anything is written.
            var before = new List<JsonObject?>();
            var destructive = new List<string>();
            foreach (var d in docs)
            {
                JsonObject? current = null;
                try { current = await k.GetObjectAsync(d.Type.ItemPath(d.Namespace, d.Name), t); }
                catch (HttpOperationException e) when (KubeCall.IsNotFound(e)) { }
                before.Add(current);
                // An object in a namespace an earlier document of the batch creates cannot be dry-run before that
                // namespace exists: the API server validates it when it is applied, after its namespace.
                if (d.Namespace is not null && docs.Any(n => n.Index < d.Index && n.Type is { Group: "", Plural: "namespaces" } && n.Name == d.Namespace && before[n.Index] is null))
                    continue;
                JsonObject dry;
                try { dry = await SendApplyAsync(k, d, dryRun: true, t); }
                catch (HttpOperationException e) when ((int)e.Response.StatusCode is 400 or 404 or 409 or 422)
                {
                    throw KubeCall.Translate(e, $"documents[{d.Index}]");
                }
                if (current is not null && RemovedFields(current, dry) is { Count: > 0 } removed)
                    destructive.Add($"documents[{d.Index}] ({d.Type.Kind} {d.Name}) would remove {string.Join(", ", removed)}");
            }
            if (destructive.Count > 0 && !confirmed)
                throw FleetException.Validation("X-Confirm-Destructive", $"{string.Join("; ", destructive)}: send X-Confirm-Destructive: true to apply");

            // 2. Then applied for real, in the order given.
            var results = new List<AppliedResource>();
            for (var i = 0; i < docs.Count; i++)
            {
                var d = docs[i];
                JsonObject after;
                try { after = await SendApplyAsync(k, d, dryRun: false, t); }
                catch (HttpOperationException e) when ((int)e.Response.StatusCode is 400 or 404 or 409 or 422)
                {
                    throw KubeCall.Translate(e, $"documents[{d.Index}]");
                }
                var action = before[i] is null ? "created" : Unchanged(before[i]!, after, d.Body) ? "unchanged" : "configured";
                results.Add(new AppliedResource(d.Type.Kind, d.Namespace, d.Name, action));
            }
            return (IReadOnlyList<AppliedResource>)results;
        }, ct);
    }

    /// <summary>
    /// Whether the apply changed nothing. Objects with a generation (workloads) compare it, the labels and annotations the
    /// document sets, and the set of fields Fleet's manager owns: their controllers keep writing status and their own
    /// annotations (a new resourceVersion, a revision annotation) whatever the apply did. Others compare resourceVersion.
    /// </summary>
    private static bool Unchanged(JsonObject before, JsonObject after, JsonObject applied)
    {
        var b = before["metadata"];
        var a = after["metadata"];
        if (b?["generation"] is not { } bg || a?["generation"] is not { } ag)
            return b?["resourceVersion"]?.GetValue<string>() == a?["resourceVersion"]?.GetValue<string>();
        if (!JsonNode.DeepEquals(bg, ag)) return false;
        foreach (var map in new[] { "labels", "annotations" })
            if (applied["metadata"]?[map] is JsonObject wanted)
                foreach (var (key, value) in wanted)
                    if (!JsonNode.DeepEquals(b[map]?[key], value)) return false;
        return JsonNode.DeepEquals(FleetFields(b), FleetFields(a));
    }

    private static JsonNode? FleetFields(JsonNode metadata) =>
        (metadata["managedFields"] as JsonArray)?.FirstOrDefault(m =>
            m?["manager"]?.GetValue<string>() == FieldManager && m["operation"]?.GetValue<string>() == "Apply")?["fieldsV1"];

    private static async Task<JsonObject> SendApplyAsync(Fleet.Core.Kubernetes.FleetKubernetes k, Doc d, bool dryRun, CancellationToken ct)
    {
        var path = d.Type.ItemPath(d.Namespace, d.Name) + $"?fieldManager={FieldManager}&force=true" + (dryRun ? "&dryRun=All" : "");
        return await k.SendJsonAsync(HttpMethod.Patch, path, d.Body.ToJsonString(), "application/apply-patch+yaml", ct) as JsonObject ?? new JsonObject();
    }

    private async Task<Doc> DescribeAsync(string clusterId, int i, JsonObject o, CancellationToken ct)
    {
        string? Str(params string[] path)
        {
            JsonNode? n = o;
            foreach (var p in path) n = n is JsonObject obj ? obj[p] : null;
            return n is JsonValue v && v.TryGetValue<string>(out var s) && s.Length > 0 ? s : null;
        }
        var apiVersion = Str("apiVersion") ?? throw FleetException.Validation($"documents[{i}].apiVersion", $"documents[{i}].apiVersion is required");
        var kind = Str("kind") ?? throw FleetException.Validation($"documents[{i}].kind", $"documents[{i}].kind is required");
        var name = Str("metadata", "name") ?? throw FleetException.Validation($"documents[{i}].metadata.name", $"documents[{i}].metadata.name is required");
        var rt = await discovery.FindByKindAsync(clusterId, apiVersion, kind, ct)
                 ?? throw FleetException.Validation($"documents[{i}].kind", $"documents[{i}].kind: the cluster serves no {kind} in {apiVersion}");
        var meta = (JsonObject)o["metadata"]!;
        string? ns = null;
        if (rt.Namespaced)
        {
            ns = Str("metadata", "namespace") ?? "default";
            meta["namespace"] = ns;
        }
        else meta.Remove("namespace");
        return new Doc(i, o, rt, ns, name);
    }

    /// <summary>Leaves of spec/data (and labels/annotations) present now and gone after the apply.</summary>
    private static List<string> RemovedFields(JsonObject current, JsonObject after)
    {
        var removed = new List<string>();
        void Walk(JsonNode? a, JsonNode? b, string path)
        {
            if (a is JsonObject ao)
            {
                foreach (var (key, value) in ao)
                {
                    var child = b is JsonObject bo && bo.TryGetPropertyValue(key, out var bv) ? bv : null;
                    if (child is null && value is not null) removed.Add($"{path}.{key}");
                    else Walk(value, child, $"{path}.{key}");
                }
            }
        }
        foreach (var top in new[] { "spec", "data", "stringData", "rules", "roleRef", "subjects" })
            Walk(current[top], after[top], top);
        Walk(current["metadata"]?["labels"], after["metadata"]?["labels"], "metadata.labels");
        Walk(current["metadata"]?["annotations"], after["metadata"]?["annotations"], "metadata.annotations");
        return removed;
    }
}
