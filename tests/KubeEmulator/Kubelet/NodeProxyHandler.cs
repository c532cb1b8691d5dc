using System.Text.Json.Nodes;
using Fleet.KubeEmulator.Api;
using Fleet.KubeEmulator.Store;
using Microsoft.AspNetCore.Http;

namespace Fleet.KubeEmulator.Kubelet;

/// <summary>
/// nodes/{node}/proxy/...: the API server forwarding to that node's kubelet (port 10250).
/// The simulated kubelet serves checkpoint, configz, healthz and pods.
/// </summary>
public sealed class NodeProxyHandler(EmulatorState state)
{
    public const string CheckpointDirectory = "/var/lib/kubelet/checkpoints";

    public async Task Handle(HttpContext http, ResourcePath p)
    {
        var node = p.Name!;
        if (state.Store.Get(p.Type, null, node) is null) throw ApiException.NotFound("nodes", "", node);
        var sub = p.SubPath;
        var method = http.Request.Method;
        switch (sub.FirstOrDefault())
        {
            case "checkpoint" when sub.Length == 4 && state.Kubelet.FeatureGate(node, "ContainerCheckpoint"):
                if (method != "POST") { await Text(http, 405, "405: Method Not Allowed"); return; }
                await Checkpoint(http, node, sub[1], sub[2], sub[3]);
                return;
            case "configz" when method == "GET":
                await HttpJson.Write(http, 200, state.Kubelet.Configz(node));
                return;
            case "healthz" when method == "GET":
                await Text(http, 200, "ok");
                return;
            case "pods" when method == "GET":
                var pods = state.Store.List(state.Type("", "pods"), null).Items.Where(o => Json.Str(o, "spec", "nodeName") == node);
                await HttpJson.Write(http, 200, new JsonObject
                {
                    ["kind"] = "PodList", ["apiVersion"] = "v1", ["metadata"] = new JsonObject(),
                    ["items"] = new JsonArray(pods.Select(o => (JsonNode?)Json.Clone(o)).ToArray()),
                });
                return;
        }
        // What the kubelet's mux answers for a path it has no handler for (e.g. checkpoint with the gate off).
        await Text(http, 404, "404 page not found\n");
    }

    private async Task Checkpoint(HttpContext http, string node, string ns, string podName, string container)
    {
        var pod = state.Store.Get(state.Type("", "pods"), ns, podName);
        if (pod is null || Json.Str(pod, "spec", "nodeName") != node)
        {
            await Text(http, 404, $"pod does not exist");
            return;
        }
        if (!Json.Objects(Json.At(pod, "spec", "containers")).Any(c => Json.Str(c, "name") == container))
        {
            await Text(http, 404, $"container {container} does not exist");
            return;
        }
        var fixture = state.Kubelet.CheckpointFixturePath;
        if (fixture is null || !File.Exists(fixture))
        {
            await Text(http, 500, "checkpointing failed: no checkpoint archive fixture is configured for the emulator");
            return;
        }
        var path = $"{CheckpointDirectory}/checkpoint-{podName}_{ns}-{container}-{Json.Now()}.tar";
        state.Kubelet.SetNodeFile(node, path, await File.ReadAllBytesAsync(fixture, http.RequestAborted));
        await HttpJson.Write(http, 200, new JsonObject { ["items"] = new JsonArray(path) });
    }

    private static async Task Text(HttpContext http, int code, string text)
    {
        http.Response.StatusCode = code;
        http.Response.ContentType = "text/plain; charset=utf-8";
        await http.Response.WriteAsync(text, http.RequestAborted);
    }
}
