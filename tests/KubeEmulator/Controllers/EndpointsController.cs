using System.Text.Json.Nodes;
using Fleet.KubeEmulator.Store;

namespace Fleet.KubeEmulator.Controllers;

/// <summary>Service with a selector → an Endpoints object of the same name listing the matching pods.</summary>
public sealed class EndpointsController(EmulatorState state) : IController
{
    // The real endpoints controller stamps this annotation; it also marks the Endpoints objects this controller owns.
    private const string TriggerAnnotation = "endpoints.kubernetes.io/last-change-trigger-time";

    public void Reconcile()
    {
        var epType = state.Type("", "endpoints");
        var services = state.Store.List(state.Type("", "services"), null).Items;
        var pods = state.Store.List(state.Type("", "pods"), null).Items;
        foreach (var svc in services)
        {
            var selector = Json.Labels(svc, "spec", "selector");
            if (selector.Count == 0) continue;
            var ns = Json.Namespace(svc)!;
            var matching = pods.Where(p => Json.Namespace(p) == ns && Json.Str(p, "status", "podIP") is not null
                                           && Json.Str(p, "status", "phase") == "Running"
                                           && selector.All(kv => Json.Labels(p).TryGetValue(kv.Key, out var v) && v == kv.Value))
                .OrderBy(Json.Name).ToList();
            var subsets = new JsonArray();
            if (matching.Count > 0)
            {
                JsonObject Address(JsonObject p) => new()
                {
                    ["ip"] = Json.Str(p, "status", "podIP"), ["nodeName"] = Json.Str(p, "spec", "nodeName"),
                    ["targetRef"] = new JsonObject { ["kind"] = "Pod", ["namespace"] = ns, ["name"] = Json.Name(p), ["uid"] = Json.Uid(p) },
                };
                var subset = new JsonObject();
                var ready = matching.Where(PodLifecycle.IsReady).Select(p => (JsonNode?)Address(p)).ToArray();
                var notReady = matching.Where(p => !PodLifecycle.IsReady(p)).Select(p => (JsonNode?)Address(p)).ToArray();
                if (ready.Length > 0) subset["addresses"] = new JsonArray(ready);
                if (notReady.Length > 0) subset["notReadyAddresses"] = new JsonArray(notReady);
                subset["ports"] = new JsonArray(Json.Objects(Json.At(svc, "spec", "ports")).Select(sp => (JsonNode?)Port(sp, matching[0])).ToArray());
                subsets.Add(subset);
            }
            var existing = state.Store.Get(epType, ns, Json.Name(svc));
            var labels = Json.At(svc, "metadata", "labels")?.DeepClone() as JsonObject ?? new JsonObject();
            if (existing is null)
            {
                var ep = new JsonObject
                {
                    ["apiVersion"] = "v1", ["kind"] = "Endpoints",
                    ["metadata"] = new JsonObject
                    {
                        ["name"] = Json.Name(svc), ["labels"] = labels,
                        ["annotations"] = new JsonObject { [TriggerAnnotation] = Json.Now() },
                    },
                };
                if (subsets.Count > 0) ep["subsets"] = subsets;
                state.Store.Create(epType, ns, ep);
                continue;
            }
            var currentSubsets = existing["subsets"] ?? new JsonArray();
            if (JsonNode.DeepEquals(currentSubsets, subsets) && JsonNode.DeepEquals(Json.At(existing, "metadata", "labels") ?? new JsonObject(), labels)) continue;
            var next = Json.Clone(existing);
            if (subsets.Count > 0) next["subsets"] = subsets; else next.Remove("subsets");
            Json.Meta(next)["labels"] = labels;
            Json.Obj(Json.Meta(next), "annotations")[TriggerAnnotation] = Json.Now();
            state.Store.Update(epType, ns, Json.Name(svc), next, UpdateKind.Full);
        }
        // Endpoints whose Service is gone go with it.
        foreach (var ep in state.Store.List(epType, null).Items)
        {
            if (Json.Str(ep, "metadata", "annotations", TriggerAnnotation) is null) continue;
            if (services.Any(s => Json.Namespace(s) == Json.Namespace(ep) && Json.Name(s) == Json.Name(ep))) continue;
            try { state.Store.Delete(epType, Json.Namespace(ep), Json.Name(ep)); }
            catch (ApiException e) when (e.Code == 404) { }
        }
    }

    private static JsonObject Port(JsonObject servicePort, JsonObject pod)
    {
        var target = servicePort["targetPort"];
        long port = Json.Long(servicePort, "port") ?? 0;
        if (target is JsonValue v && v.TryGetValue<string>(out var named) && !long.TryParse(named, out _))
        {
            var match = Json.Objects(Json.At(pod, "spec", "containers")).SelectMany(c => Json.Objects(c["ports"]))
                .FirstOrDefault(p => Json.Str(p, "name") == named);
            if (match is not null) port = Json.Long(match, "containerPort") ?? port;
        }
        else if (Json.Long(servicePort, "targetPort") is { } t) port = t;
        var result = new JsonObject();
        if (Json.Str(servicePort, "name") is { } name) result["name"] = name;
        result["port"] = port;
        result["protocol"] = Json.Str(servicePort, "protocol") ?? "TCP";
        return result;
    }
}
