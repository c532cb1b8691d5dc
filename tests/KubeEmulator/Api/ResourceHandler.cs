using System.Text.Json.Nodes;
using Fleet.KubeEmulator.Discovery;
using Fleet.KubeEmulator.Patching;
using Fleet.KubeEmulator.Store;
using Fleet.KubeEmulator.Webhooks;
using Microsoft.AspNetCore.Http;

namespace Fleet.KubeEmulator.Api;

/// <summary>The generic REST verbs (get, list, watch, create, update, patch, delete) over every served resource.</summary>
public sealed class ResourceHandler(EmulatorState state)
{
    private ObjectStore Store => state.Store;

    public async Task Handle(HttpContext http, ResourcePath p)
    {
        var method = http.Request.Method;
        var rt = p.Type;
        if (rt.ReadOnly && method != "GET") throw ApiException.MethodNotAllowed($"the server does not allow this method on the requested resource");
        if (p.Name is null)
        {
            switch (method)
            {
                case "GET":
                    if (IsTrue(http.Request.Query["watch"])) await new WatchStream(state).Serve(http, rt, p.Namespace, null);
                    else await List(http, rt, p.Namespace);
                    return;
                case "POST":
                    if (rt.Namespaced && p.Namespace is null) throw ApiException.MethodNotAllowed("the server does not allow this method on the requested resource");
                    await Create(http, rt, p.Namespace);
                    return;
                case "DELETE":
                    await DeleteCollection(http, rt, p.Namespace);
                    return;
            }
            throw ApiException.MethodNotAllowed("the server does not allow this method on the requested resource");
        }
        if (rt.Namespaced && p.Namespace is null) throw ApiException.ResourceNotFound();
        switch (p.Subresource)
        {
            case null: await Item(http, p); return;
            case "status" or "finalize": await Status(http, p); return;
            case "scale": await Scale(http, p); return;
            case "eviction": await Evict(http, p); return;
            case "binding": await Bind(http, p); return;
        }
        throw ApiException.ResourceNotFound();
    }

    public static bool IsTrue(string? v) => v is "true" or "1" or "True";

    private async Task List(HttpContext http, ResourceType rt, string? ns)
    {
        var query = ListQuery.From(http.Request.Query);
        var (all, rv) = Store.List(rt, ns);
        var matching = all.Where(query.Matches).ToList();
        if (query.Continue is not null)
        {
            var (start, _) = ListQuery.DecodeContinue(query.Continue);
            matching = matching.Where(o => string.CompareOrdinal(Key(o), start) > 0).ToList();
        }
        var meta = new JsonObject { ["resourceVersion"] = rv.ToString() };
        if (query.Limit is { } limit && matching.Count > limit)
        {
            var remaining = matching.Count - limit;
            matching = matching.Take(limit).ToList();
            meta["continue"] = ListQuery.EncodeContinue(Key(matching[^1]), rv);
            meta["remainingItemCount"] = remaining;
        }
        if (TableRenderer.Wanted(http)) { await TableRenderer.Write(http, rt, matching, meta); return; }
        var list = new JsonObject
        {
            ["kind"] = rt.Kind + "List", ["apiVersion"] = rt.GroupVersion, ["metadata"] = meta,
            ["items"] = new JsonArray(matching.Select(o => (JsonNode?)Output(rt, o)).ToArray()),
        };
        await HttpJson.Write(http, 200, list);
    }

    private static string Key(JsonObject o) => $"{Json.Namespace(o) ?? ""}/{Json.Name(o)}";

    /// <summary>Objects go out in the version the client asked for (CRDs may serve several).</summary>
    public static JsonObject Output(ResourceType rt, JsonObject o)
    {
        var copy = Json.Clone(o);
        copy["apiVersion"] = rt.GroupVersion;
        return copy;
    }

    private async Task Create(HttpContext http, ResourceType rt, string? ns)
    {
        var body = await HttpJson.ReadObject(http);
        var kind = Json.Str(body, "kind");
        if (kind is not null && kind != rt.Kind)
            throw ApiException.BadRequest($"the API version in the data ({Json.Str(body, "apiVersion")}) does not match the expected API version ({rt.GroupVersion})");
        body["apiVersion"] = rt.GroupVersion;
        body = await new MutatingWebhookDispatcher(state).AdmitCreateAsync(rt, ns, body, IsDryRun(http), http.RequestAborted);
        Validate(rt, body);
        var created = Store.Create(rt, ns, body, IsDryRun(http));
        await HttpJson.Write(http, 201, Output(rt, created));
    }

    private static bool IsDryRun(HttpContext http) => http.Request.Query["dryRun"].ToString() == "All";

    private static void Validate(ResourceType rt, JsonObject obj)
    {
        WebhookConfigurations.DefaultAndValidate(rt, obj);
        var podSpec = (rt.Group, rt.Plural) switch
        {
            ("", "pods") => "spec",
            ("apps", "deployments" or "replicasets" or "statefulsets" or "daemonsets") or ("batch", "jobs") => "spec.template.spec",
            ("batch", "cronjobs") => "spec.jobTemplate.spec.template.spec",
            _ => null,
        };
        if (podSpec is null) return;
        var containers = Json.At(obj, podSpec.Split('.'))?["containers"] as JsonArray;
        if (containers is null || containers.Count == 0)
            throw ApiException.Invalid(rt.Kind, rt.Group, Json.Name(obj), podSpec + ".containers", "Required value");
        for (var i = 0; i < containers.Count; i++)
            foreach (var field in new[] { "name", "image" })
                if (string.IsNullOrEmpty(Json.Str(containers[i], field)))
                    throw ApiException.Invalid(rt.Kind, rt.Group, Json.Name(obj), $"{podSpec}.containers[{i}].{field}", "Required value");
    }

    private async Task Item(HttpContext http, ResourcePath p)
    {
        var rt = p.Type;
        switch (http.Request.Method)
        {
            case "GET":
            {
                var o = Store.Get(rt, p.Namespace, p.Name!) ?? throw ApiException.NotFound(rt.Plural, rt.Group, p.Name!);
                if (TableRenderer.Wanted(http))
                    await TableRenderer.Write(http, rt, [o], new JsonObject { ["resourceVersion"] = Json.Str(o, "metadata", "resourceVersion") });
                else await HttpJson.Write(http, 200, Output(rt, o));
                return;
            }
            case "PUT":
            {
                var body = await HttpJson.ReadObject(http);
                Validate(rt, body);
                var updated = Store.Update(rt, p.Namespace, p.Name!, body, UpdateKind.Main);
                await HttpJson.Write(http, 200, Output(rt, updated));
                return;
            }
            case "PATCH" when (http.Request.ContentType ?? "").StartsWith("application/apply-patch", StringComparison.Ordinal):
                await Apply(http, p);
                return;
            case "PATCH":
            {
                var updated = await Patch(http, p, UpdateKind.Main);
                await HttpJson.Write(http, 200, Output(rt, updated));
                return;
            }
            case "DELETE":
            {
                var options = await DeleteOptions(http);
                var current = Store.Get(rt, p.Namespace, p.Name!) ?? throw ApiException.NotFound(rt.Plural, rt.Group, p.Name!);
                CheckPreconditions(rt, current, options);
                if (IsDryRun(http)) { await HttpJson.Write(http, 200, Output(rt, current)); return; }
                var propagation = http.Request.Query["propagationPolicy"].FirstOrDefault() ?? Json.Str(options, "propagationPolicy");
                if (propagation == "Orphan") Orphan(Json.Uid(current)!);
                var gone = Store.Delete(rt, p.Namespace, p.Name!);
                if (rt is { Group: "", Plural: "pods" }) state.Kubelet.ForgetPod(p.Namespace!, p.Name!);
                // Pods, namespaces and custom resources answer with the object; other built-ins with a Status.
                var returnsObject = rt.Group == "" && rt.Plural is "pods" or "namespaces" || !IsBuiltIn(rt);
                await HttpJson.Write(http, 200, returnsObject ? Output(rt, gone) : KubeStatus.Success(p.Name!, rt.Group, rt.Plural, Json.Uid(gone)));
                return;
            }
        }
        throw ApiException.MethodNotAllowed("the server does not allow this method on the requested resource");
    }

    /// <summary>
    /// Server-side apply: the applied configuration (JSON, which is also YAML) creates the object or is merged
    /// into it (strategic merge for built-in kinds, merge patch for custom ones); the fields the manager applied
    /// are recorded in metadata.managedFields (fieldsV1, lists atomic), and fields it applied before but no longer
    /// applies are removed, as the real server does for a sole owner. Honors dryRun=All.
    /// </summary>
    private async Task Apply(HttpContext http, ResourcePath p)
    {
        var rt = p.Type;
        JsonObject body;
        try { body = await HttpJson.ReadObject(http); }
        catch (ApiException) { throw new ApiException(415, "UnsupportedMediaType", "the emulator accepts apply patches in their JSON form only"); }
        var manager = http.Request.Query["fieldManager"].ToString();
        if (manager.Length == 0) throw ApiException.BadRequest("PATCH, application/apply-patch+yaml: fieldManager is required for apply requests");
        if (Json.Str(body, "kind") is { } kind && kind != rt.Kind || Json.Str(body, "apiVersion") is { } av && av != rt.GroupVersion)
            throw ApiException.BadRequest($"the API version in the data ({Json.Str(body, "apiVersion")}) does not match the expected API version ({rt.GroupVersion})");
        if (Json.Name(body) is { Length: > 0 } bodyName && bodyName != p.Name)
            throw ApiException.BadRequest($"the name of the object ({bodyName}) does not match the name on the URL ({p.Name})");
        var dryRun = IsDryRun(http);
        var fields = ManagedFields.Of(body);
        var existing = Store.Get(rt, p.Namespace, p.Name!);
        if (existing is null)
        {
            Json.Meta(body)["name"] = p.Name;
            body["apiVersion"] = rt.GroupVersion;
            body = await new MutatingWebhookDispatcher(state).AdmitCreateAsync(rt, p.Namespace, body, dryRun, http.RequestAborted);
            Validate(rt, body);
            ManagedFields.Record(body, manager, rt.GroupVersion, fields);
            await HttpJson.Write(http, 201, Output(rt, Store.Create(rt, p.Namespace, body, dryRun)));
            return;
        }
        var applied = Json.Clone(body);
        Json.Meta(applied).Remove("managedFields");
        var merged = IsBuiltIn(rt) ? StrategicMergePatch.Apply(existing, applied) : (JsonObject)MergePatch.Apply(existing, applied)!;
        ManagedFields.RemoveDropped(merged, ManagedFields.Owned(existing, manager), fields);
        ManagedFields.Record(merged, manager, rt.GroupVersion, fields);
        if (Json.Str(body, "metadata", "resourceVersion") is null) Json.Meta(merged).Remove("resourceVersion");
        Validate(rt, merged);
        await HttpJson.Write(http, 200, Output(rt, Store.Update(rt, p.Namespace, p.Name!, merged, UpdateKind.Main, dryRun)));
    }

    private static async Task<JsonObject?> DeleteOptions(HttpContext http)
    {
        if (http.Request.ContentLength is null or 0 && !http.Request.Headers.ContainsKey("Transfer-Encoding")) return null;
        using var reader = new StreamReader(http.Request.Body);
        var text = await reader.ReadToEndAsync(http.RequestAborted);
        return string.IsNullOrWhiteSpace(text) ? null : Json.Parse(text);
    }

    private static void CheckPreconditions(ResourceType rt, JsonObject current, JsonObject? options)
    {
        var name = Json.Name(current);
        if (Json.Str(options, "preconditions", "uid") is { } uid && uid != Json.Uid(current))
            throw new ApiException(409, "Conflict",
                $"Operation cannot be fulfilled on {rt.Plural} \"{name}\": Precondition failed: UID in precondition: {uid}, UID in object meta: {Json.Uid(current)}");
        if (Json.Str(options, "preconditions", "resourceVersion") is { } rv && rv != Json.Str(current, "metadata", "resourceVersion"))
            throw new ApiException(409, "Conflict",
                $"Operation cannot be fulfilled on {rt.Plural} \"{name}\": Precondition failed: ResourceVersion in precondition: {rv}, ResourceVersion in object meta: {Json.Str(current, "metadata", "resourceVersion")}");
    }

    /// <summary>propagationPolicy=Orphan: dependents lose the ownerReference instead of being collected.</summary>
    private void Orphan(string ownerUid)
    {
        foreach (var t in state.Registry.All.Where(t => !t.ReadOnly).DistinctBy(t => t.StorageKey))
            foreach (var o in Store.List(t, null).Items)
            {
                var refs = Json.At(o, "metadata", "ownerReferences") as JsonArray;
                if (refs is null || !refs.OfType<JsonObject>().Any(r => Json.Str(r, "uid") == ownerUid)) continue;
                var next = Json.Clone(o);
                var kept = new JsonArray(refs.OfType<JsonObject>().Where(r => Json.Str(r, "uid") != ownerUid).Select(r => (JsonNode?)r.DeepClone()).ToArray());
                if (kept.Count == 0) Json.Meta(next).Remove("ownerReferences"); else Json.Meta(next)["ownerReferences"] = kept;
                Json.Meta(next).Remove("resourceVersion");
                Store.Update(t, Json.Namespace(o), Json.Name(o), next, UpdateKind.Full);
            }
    }

    private static bool IsBuiltIn(ResourceType rt) => BuiltInResources.All.Contains(rt);

    private async Task<JsonObject> Patch(HttpContext http, ResourcePath p, UpdateKind kind)
    {
        var rt = p.Type;
        var patch = await HttpJson.ReadBody(http);
        var current = Store.Get(rt, p.Namespace, p.Name!) ?? throw ApiException.NotFound(rt.Plural, rt.Group, p.Name!);
        var patched = ApplyPatch(http, rt, current, patch);
        // A patch is unconditional unless it names a resourceVersion itself.
        var wantsRv = Json.Str(patch, "metadata", "resourceVersion") is not null
                      || (patch is JsonArray ops && ops.OfType<JsonObject>().Any(o => Json.Str(o, "path") == "/metadata/resourceVersion"));
        if (!wantsRv) Json.Meta(patched).Remove("resourceVersion");
        return Store.Update(rt, p.Namespace, p.Name!, patched, kind, IsDryRun(http));
    }

    private static JsonObject ApplyPatch(HttpContext http, ResourceType rt, JsonObject current, JsonNode patch)
    {
        var contentType = (http.Request.ContentType ?? "").Split(';')[0].Trim();
        return contentType switch
        {
            "application/json-patch+json" => JsonPatch.Apply(current,
                patch as JsonArray ?? throw ApiException.BadRequest("json patch must be an array")),
            "application/merge-patch+json" => MergePatch.Apply(current, patch) as JsonObject
                                              ?? throw ApiException.BadRequest("merge patch result is not an object"),
            "application/strategic-merge-patch+json" when IsBuiltIn(rt) => StrategicMergePatch.Apply(current,
                patch as JsonObject ?? throw ApiException.BadRequest("strategic merge patch must be an object")),
            "application/strategic-merge-patch+json" => throw new ApiException(415, "UnsupportedMediaType",
                $"the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml"),
            _ => throw new ApiException(415, "UnsupportedMediaType",
                $"the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json"),
        };
    }

    private async Task Status(HttpContext http, ResourcePath p)
    {
        var rt = p.Type;
        switch (http.Request.Method)
        {
            case "GET":
                await HttpJson.Write(http, 200, Output(rt, Store.Get(rt, p.Namespace, p.Name!) ?? throw ApiException.NotFound(rt.Plural, rt.Group, p.Name!)));
                return;
            case "PUT":
            {
                var body = await HttpJson.ReadObject(http);
                var kind = p.Subresource == "finalize" ? UpdateKind.Main : UpdateKind.Status;
                await HttpJson.Write(http, 200, Output(rt, Store.Update(rt, p.Namespace, p.Name!, body, kind)));
                return;
            }
            case "PATCH":
                await HttpJson.Write(http, 200, Output(rt, await Patch(http, p, UpdateKind.Status)));
                return;
        }
        throw ApiException.MethodNotAllowed("the server does not allow this method on the requested resource");
    }

    private async Task Scale(HttpContext http, ResourcePath p)
    {
        var rt = p.Type;
        var current = Store.Get(rt, p.Namespace, p.Name!) ?? throw ApiException.NotFound(rt.Plural, rt.Group, p.Name!);
        if (http.Request.Method == "GET") { await HttpJson.Write(http, 200, ScaleOf(current)); return; }
        JsonObject desired;
        if (http.Request.Method == "PUT") desired = await HttpJson.ReadObject(http);
        else if (http.Request.Method == "PATCH") desired = ApplyPatch(http, rt, ScaleOf(current), await HttpJson.ReadBody(http));
        else throw ApiException.MethodNotAllowed("the server does not allow this method on the requested resource");
        var wantRv = Json.Str(desired, "metadata", "resourceVersion");
        if (!string.IsNullOrEmpty(wantRv) && wantRv != Json.Str(current, "metadata", "resourceVersion"))
            throw ApiException.Conflict(rt.Plural, rt.Group, p.Name!);
        var next = Json.Clone(current);
        Json.Obj(next, "spec")["replicas"] = Json.Long(desired, "spec", "replicas") ?? 0;
        Json.Meta(next).Remove("resourceVersion");
        var updated = Store.Update(rt, p.Namespace, p.Name!, next, UpdateKind.Main);
        await HttpJson.Write(http, 200, ScaleOf(updated));
    }

    private static JsonObject ScaleOf(JsonObject o)
    {
        var selector = Json.Labels(o, "spec", "selector", "matchLabels");
        return new JsonObject
        {
            ["kind"] = "Scale", ["apiVersion"] = "autoscaling/v1",
            ["metadata"] = new JsonObject
            {
                ["name"] = Json.Name(o), ["namespace"] = Json.Namespace(o), ["uid"] = Json.Uid(o),
                ["resourceVersion"] = Json.Str(o, "metadata", "resourceVersion"),
                ["creationTimestamp"] = Json.Str(o, "metadata", "creationTimestamp"),
            },
            ["spec"] = new JsonObject { ["replicas"] = Json.Long(o, "spec", "replicas") ?? 0 },
            ["status"] = new JsonObject
            {
                ["replicas"] = Json.Long(o, "status", "replicas") ?? 0,
                ["selector"] = string.Join(",", selector.Select(kv => $"{kv.Key}={kv.Value}")),
            },
        };
    }

    private async Task Evict(HttpContext http, ResourcePath p)
    {
        if (http.Request.Method != "POST") throw ApiException.MethodNotAllowed("eviction only accepts POST");
        Store.Delete(p.Type, p.Namespace, p.Name!);
        await HttpJson.Write(http, 201, new JsonObject { ["kind"] = "Status", ["apiVersion"] = "v1", ["metadata"] = new JsonObject(), ["status"] = "Success", ["code"] = 201 });
    }

    private async Task Bind(HttpContext http, ResourcePath p)
    {
        if (http.Request.Method != "POST") throw ApiException.MethodNotAllowed("binding only accepts POST");
        var binding = await HttpJson.ReadObject(http);
        var pod = Json.Clone(Store.Get(p.Type, p.Namespace, p.Name!) ?? throw ApiException.NotFound("pods", "", p.Name!));
        if (Json.Str(pod, "spec", "nodeName") is { Length: > 0 })
            throw new ApiException(409, "Conflict", $"Operation cannot be fulfilled on pods/binding \"{p.Name}\": pod {p.Name} is already assigned to node \"{Json.Str(pod, "spec", "nodeName")}\"");
        Json.Obj(pod, "spec")["nodeName"] = Json.Str(binding, "target", "name");
        Json.Meta(pod).Remove("resourceVersion");
        Store.Update(p.Type, p.Namespace, p.Name!, pod, UpdateKind.Full);
        await HttpJson.Write(http, 201, new JsonObject { ["kind"] = "Status", ["apiVersion"] = "v1", ["metadata"] = new JsonObject(), ["status"] = "Success", ["code"] = 201 });
    }

    private async Task DeleteCollection(HttpContext http, ResourceType rt, string? ns)
    {
        var query = ListQuery.From(http.Request.Query);
        var (all, _) = Store.List(rt, ns);
        var deleted = new JsonArray();
        foreach (var o in all.Where(query.Matches))
        {
            try { deleted.Add(Output(rt, Store.Delete(rt, Json.Namespace(o), Json.Name(o)))); }
            catch (ApiException e) when (e.Code == 404) { }
        }
        await HttpJson.Write(http, 200, new JsonObject
        {
            ["kind"] = rt.Kind + "List", ["apiVersion"] = rt.GroupVersion,
            ["metadata"] = new JsonObject { ["resourceVersion"] = Store.CurrentResourceVersion.ToString() },
            ["items"] = deleted,
        });
    }
}
