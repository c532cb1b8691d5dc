using System.Text.Json.Nodes;
using Fleet.KubeEmulator.Api;
using Fleet.KubeEmulator.Store;
using Microsoft.AspNetCore.Http;

namespace Fleet.KubeEmulator.Kubelet;

/// <summary>metrics.k8s.io/v1beta1 NodeMetrics and PodMetrics, from seeded usage or small defaults.</summary>
public sealed class MetricsHandler(EmulatorState state)
{
    private const string DefaultNodeCpu = "250m", DefaultNodeMemory = "1536Mi";
    private const string DefaultContainerCpu = "2m", DefaultContainerMemory = "12Mi";

    public async Task Handle(HttpContext http, ResourcePath p)
    {
        if (http.Request.Method != "GET" || p.Subresource is not null)
            throw ApiException.MethodNotAllowed("the server does not allow this method on the requested resource");
        var query = ListQuery.From(http.Request.Query);
        var isNodes = p.Type.Plural == "nodes";
        IEnumerable<JsonObject> source = isNodes
            ? state.Store.List(state.Type("", "nodes"), null).Items
            : state.Store.List(state.Type("", "pods"), p.Namespace).Items.Where(o => Json.Str(o, "status", "phase") == "Running");
        if (p.Name is not null)
        {
            var one = source.FirstOrDefault(o => Json.Name(o) == p.Name)
                      ?? throw ApiException.NotFound(p.Type.Plural, "metrics.k8s.io", p.Name);
            await HttpJson.Write(http, 200, isNodes ? NodeMetrics(one) : PodMetrics(one));
            return;
        }
        var items = source.Where(o => query.Labels.Matches(Json.Labels(o))).Select(o => (JsonNode?)(isNodes ? NodeMetrics(o) : PodMetrics(o)));
        await HttpJson.Write(http, 200, new JsonObject
        {
            ["kind"] = p.Type.Kind + "List", ["apiVersion"] = "metrics.k8s.io/v1beta1", ["metadata"] = new JsonObject(),
            ["items"] = new JsonArray(items.ToArray()),
        });
    }

    private JsonObject NodeMetrics(JsonObject node)
    {
        var (cpu, memory) = state.Kubelet.NodeMetrics(Json.Name(node)) ?? (DefaultNodeCpu, DefaultNodeMemory);
        return new JsonObject
        {
            ["kind"] = "NodeMetrics", ["apiVersion"] = "metrics.k8s.io/v1beta1",
            ["metadata"] = new JsonObject { ["name"] = Json.Name(node), ["creationTimestamp"] = Json.Now(), ["labels"] = Json.At(node, "metadata", "labels")?.DeepClone() },
            ["timestamp"] = Json.Now(), ["window"] = "20.05s",
            ["usage"] = new JsonObject { ["cpu"] = cpu, ["memory"] = memory },
        };
    }

    private JsonObject PodMetrics(JsonObject pod)
    {
        var ns = Json.Namespace(pod)!;
        var name = Json.Name(pod);
        var containers = Json.Objects(Json.At(pod, "spec", "containers")).Select(c =>
        {
            var cname = Json.Str(c, "name") ?? "";
            var (cpu, memory) = state.Kubelet.PodMetrics(ns, name, cname) ?? (DefaultContainerCpu, DefaultContainerMemory);
            return (JsonNode?)new JsonObject { ["name"] = cname, ["usage"] = new JsonObject { ["cpu"] = cpu, ["memory"] = memory } };
        });
        return new JsonObject
        {
            ["kind"] = "PodMetrics", ["apiVersion"] = "metrics.k8s.io/v1beta1",
            ["metadata"] = new JsonObject
            {
                ["name"] = name, ["namespace"] = ns, ["creationTimestamp"] = Json.Now(),
                ["labels"] = Json.At(pod, "metadata", "labels")?.DeepClone(),
            },
            ["timestamp"] = Json.Now(), ["window"] = "18.482s",
            ["containers"] = new JsonArray(containers.ToArray()),
        };
    }
}
