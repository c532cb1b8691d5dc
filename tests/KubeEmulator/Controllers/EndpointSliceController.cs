using System.Text.Json.Nodes;
using Fleet.KubeEmulator.Store;

namespace Fleet.KubeEmulator.Controllers;

/// <summary>
/// Service with a selector → one discovery.k8s.io/v1 EndpointSlice (IPv4) named {service}-{suffix}, labelled
/// kubernetes.io/service-name and managed-by the endpointslice controller, owned by the Service, listing
/// every matching pod with an IP and its ready/serving/terminating conditions, as the real controller does.
/// </summary>
public sealed class EndpointSliceController(EmulatorState state) : IController
{
    private const string ServiceName = "kubernetes.io/service-name";
    private const string ManagedBy = "endpointslice.kubernetes.io/managed-by";
    private const string Controller = "endpointslice-controller.k8s.io";

    public void Reconcile()
    {
        var sliceType = state.Type("discovery.k8s.io", "endpointslices");
        var services = state.Store.List(state.Type("", "services"), null).Items;
        var pods = state.Store.List(state.Type("", "pods"), null).Items;
        var slices = state.Store.List(sliceType, null).Items.Where(s => Json.Labels(s).GetValueOrDefault(ManagedBy) == Controller).ToList();
        foreach (var svc in services)
        {
            var selector = Json.Labels(svc, "spec", "selector");
            if (selector.Count == 0) continue;
            var ns = Json.Namespace(svc)!;
            var matching = pods.Where(p => Json.Namespace(p) == ns && Json.Str(p, "status", "podIP") is not null
                                           && selector.All(kv => Json.Labels(p).TryGetValue(kv.Key, out var v) && v == kv.Value))
                .OrderBy(Json.Name).ToList();
            var endpoints = new JsonArray(matching.Select(p => (JsonNode?)new JsonObject
            {
                ["addresses"] = new JsonArray(Json.Str(p, "status", "podIP")),
                ["conditions"] = new JsonObject { ["ready"] = PodLifecycle.IsReady(p), ["serving"] = PodLifecycle.IsReady(p), ["terminating"] = false },
                ["nodeName"] = Json.Str(p, "spec", "nodeName"),
                ["targetRef"] = new JsonObject { ["kind"] = "Pod", ["namespace"] = ns, ["name"] = Json.Name(p), ["uid"] = Json.Uid(p) },
            }).ToArray());
            var ports = new JsonArray(Json.Objects(Json.At(svc, "spec", "ports")).Select(sp =>
            {
                var port = new JsonObject();
                if (Json.Str(sp, "name") is { } name) port["name"] = name; else port["name"] = "";
                port["port"] = TargetPort(sp, matching.FirstOrDefault());
                port["protocol"] = Json.Str(sp, "protocol") ?? "TCP";
                return (JsonNode?)port;
            }).ToArray());
            var existing = slices.FirstOrDefault(s => Json.Namespace(s) == ns && Json.Labels(s).GetValueOrDefault(ServiceName) == Json.Name(svc));
            if (existing is null)
            {
                var labels = Json.At(svc, "metadata", "labels")?.DeepClone() as JsonObject ?? new JsonObject();
                labels[ServiceName] = Json.Name(svc);
                labels[ManagedBy] = Controller;
                state.Store.Create(sliceType, ns, new JsonObject
                {
                    ["apiVersion"] = "discovery.k8s.io/v1", ["kind"] = "EndpointSlice",
                    ["metadata"] = new JsonObject
                    {
                        ["generateName"] = Json.Name(svc) + "-", ["labels"] = labels,
                        ["ownerReferences"] = Owners.ControllerRef(svc),
                    },
                    ["addressType"] = "IPv4", ["endpoints"] = endpoints, ["ports"] = ports,
                });
                continue;
            }
            if (JsonNode.DeepEquals(existing["endpoints"] ?? new JsonArray(), endpoints) && JsonNode.DeepEquals(existing["ports"] ?? new JsonArray(), ports)) continue;
            var next = Json.Clone(existing);
            next["endpoints"] = endpoints;
            next["ports"] = ports;
            state.Store.Update(sliceType, ns, Json.Name(existing), next, UpdateKind.Full);
        }
    }

    private static long TargetPort(JsonObject servicePort, JsonObject? pod)
    {
        var target = servicePort["targetPort"];
        if (target is JsonValue v && v.TryGetValue<string>(out var named) && !long.TryParse(named, out _))
        {
            var match = pod is null ? null : Json.Objects(Json.At(pod, "spec", "containers")).SelectMany(c => Json.Objects(c["ports"]))
                .FirstOrDefault(p => Json.Str(p, "name") == named);
            return match is null ? Json.Long(servicePort, "port") ?? 0 : Json.Long(match, "containerPort") ?? 0;
        }
        return Json.Long(servicePort, "targetPort") ?? Json.Long(servicePort, "port") ?? 0;
    }
}
