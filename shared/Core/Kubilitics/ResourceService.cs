using System.Text.Json.Nodes;
using Fleet.Core.Kubernetes;
using Fleet.Core.Platform.Errors;

namespace Fleet.Core.Kubilitics;

/// <summary>List, get, merge-patch and delete of any kind the cluster serves, answered with the server's objects.</summary>
public sealed class ResourceService(KubeCall kube, KubeDiscovery discovery)
{
    public async Task<JsonObject> ListAsync(string clusterId, string kind, ResourceQuery q, CancellationToken ct)
    {
        var rt = await discovery.ResolveAsync(clusterId, kind, ct);
        return await ListAsync(clusterId, rt, q, ct);
    }

    /// <summary>Instances of a CRD given by its name (<c>plural.group</c>).</summary>
    public async Task<JsonObject> CrdInstancesAsync(string clusterId, string crdName, ResourceQuery q, CancellationToken ct)
    {
        var crd = await kube.RunAsync(clusterId, (k, t) => k.GetObjectAsync($"apis/apiextensions.k8s.io/v1/customresourcedefinitions/{Uri.EscapeDataString(crdName)}", t), ct);
        var group = crd["spec"]?["group"]?.GetValue<string>() ?? "";
        var plural = crd["spec"]?["names"]?["plural"]?.GetValue<string>() ?? "";
        var rt = await discovery.ResolveAsync(clusterId, $"{plural}.{group}", ct);
        return await ListAsync(clusterId, rt, q, ct);
    }

    public async Task<JsonObject> ListAsync(string clusterId, ApiResource rt, ResourceQuery q, CancellationToken ct)
    {
        if (!rt.Verbs.Contains("list")) throw FleetException.Validation("kind", $"{rt.Plural} cannot be listed");
        var ns = rt.Namespaced ? q.Namespace : null;
        long offset = 0;
        string? serverContinue = null;
        if (q.Continue is not null) (serverContinue, offset) = ResourceQuery.Unwrap(q.Continue);
        var query = new List<string> { $"limit={q.Limit}" };
        if (q.LabelSelector is not null) query.Add("labelSelector=" + Uri.EscapeDataString(q.LabelSelector));
        if (q.FieldSelector is not null) query.Add("fieldSelector=" + Uri.EscapeDataString(q.FieldSelector));
        if (serverContinue is not null) query.Add("continue=" + Uri.EscapeDataString(serverContinue));
        var list = await kube.RunAsync(clusterId, (k, t) => k.GetObjectAsync(rt.CollectionPath(ns) + "?" + string.Join('&', query), t), ct);

        var items = list["items"] as JsonArray ?? [];
        // Lists carry no apiVersion/kind per item; add them as kubectl does, so each item stands alone.
        foreach (var item in items.OfType<JsonObject>())
        {
            var rest = item.ToList();
            item.Clear();
            item["apiVersion"] = rt.ApiVersion;
            item["kind"] = rt.Kind;
            foreach (var (key, value) in rest)
                if (key is not ("apiVersion" or "kind")) item[key] = value;
        }
        var serverMeta = list["metadata"] as JsonObject;
        var next = serverMeta?["continue"]?.GetValue<string>();
        var remaining = serverMeta?["remainingItemCount"]?.GetValue<long>();
        var meta = new JsonObject { ["resourceVersion"] = serverMeta?["resourceVersion"]?.GetValue<string>() };
        var served = offset + items.Count;
        if (!string.IsNullOrEmpty(next)) meta["continue"] = ResourceQuery.Wrap(next, served);
        if (string.IsNullOrEmpty(next)) meta["total"] = served;
        else if (remaining is not null) meta["total"] = served + remaining.Value;
        list.Remove("items");
        return new JsonObject { ["items"] = items, ["metadata"] = meta };
    }

    public async Task<JsonObject> GetAsync(string clusterId, string kind, string ns, string name, CancellationToken ct)
    {
        var (rt, n) = await TargetAsync(clusterId, kind, ns, ct);
        return await kube.RunAsync(clusterId, (k, t) => k.GetObjectAsync(rt.ItemPath(n, name), t), ct);
    }

    public async Task<JsonObject> PatchAsync(string clusterId, string kind, string ns, string name, JsonNode? patch, CancellationToken ct)
    {
        if (patch is not JsonObject) throw FleetException.Validation("body", "the body must be a JSON merge patch (a JSON object)");
        var (rt, n) = await TargetAsync(clusterId, kind, ns, ct);
        return await kube.RunAsync(clusterId, async (k, t) =>
            await k.SendJsonAsync(HttpMethod.Patch, rt.ItemPath(n, name) + "?fieldManager=fleet", patch.ToJsonString(), "application/merge-patch+json", t) as JsonObject ?? new JsonObject(), ct);
    }

    public async Task<JsonNode?> DeleteAsync(string clusterId, string kind, string ns, string name, CancellationToken ct)
    {
        var (rt, n) = await TargetAsync(clusterId, kind, ns, ct);
        return await kube.RunAsync(clusterId, (k, t) =>
            k.SendJsonAsync(HttpMethod.Delete, rt.ItemPath(n, name), """{"kind":"DeleteOptions","apiVersion":"v1","propagationPolicy":"Background"}""", "application/json", t), ct);
    }

    /// <summary>The kind and the namespace to use: <c>-</c> or <c>_</c> marks a cluster-scoped object.</summary>
    public async Task<(ApiResource Type, string? Namespace)> TargetAsync(string clusterId, string kind, string ns, CancellationToken ct)
    {
        var rt = await discovery.ResolveAsync(clusterId, kind, ct);
        var clusterScoped = ns is "-" or "_";
        if (rt.Namespaced && clusterScoped)
            throw FleetException.Validation("namespace", $"{rt.Plural} are namespaced: give a namespace instead of '{ns}'");
        if (!rt.Namespaced && !clusterScoped)
            throw FleetException.Validation("namespace", $"{rt.Plural} are cluster-scoped: use '-' or '_' as the namespace");
        return (rt, rt.Namespaced ? ns : null);
    }

    /// <summary>Every item of a list, following the server's continue tokens (for services that need a whole kind).</summary>
    public static async Task<List<JsonObject>> ListAllAsync(FleetKubernetes k, ApiResource rt, string? ns, string? labelSelector, CancellationToken ct)
    {
        var all = new List<JsonObject>();
        string? cont = null;
        do
        {
            var query = "limit=500" + (labelSelector is null ? "" : "&labelSelector=" + Uri.EscapeDataString(labelSelector))
                                    + (cont is null ? "" : "&continue=" + Uri.EscapeDataString(cont));
            var page = await k.GetObjectAsync(rt.CollectionPath(ns) + "?" + query, ct);
            if (page["items"] is JsonArray items)
            {
                var objects = items.OfType<JsonObject>().ToList();
                items.Clear();
                foreach (var item in objects)
                {
                    item["apiVersion"] ??= rt.ApiVersion;
                    item["kind"] ??= rt.Kind;
                    all.Add(item);
                }
            }
            cont = page["metadata"]?["continue"]?.GetValue<string>();
        } while (!string.IsNullOrEmpty(cont));
        return all;
    }
}
