using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Fleet.KubeEmulator.Store;

namespace Fleet.KubeEmulator.Controllers;

/// <summary>
/// The scheduler and the kubelets: binds pending pods to a node that satisfies nodeSelector (ordinary
/// nodes before edge nodes), then reports them Running and Ready; pods of Jobs then Succeed.
/// </summary>
public sealed class PodLifecycle(EmulatorState state, EventRecorder events) : IController
{
    private int _ipCounter = 10;

    public static bool IsReady(JsonObject pod) =>
        Json.Str(pod, "status", "phase") == "Running" &&
        Json.Objects(Json.At(pod, "status", "conditions")).Any(c => Json.Str(c, "type") == "Ready" && Json.Str(c, "status") == "True");

    public void Reconcile()
    {
        var podType = state.Type("", "pods");
        var nodes = state.Store.List(state.Type("", "nodes"), null).Items;
        foreach (var pod in state.Store.List(podType, null).Items)
        {
            var phase = Json.Str(pod, "status", "phase") ?? "Pending";
            var nodeName = Json.Str(pod, "spec", "nodeName");
            if (string.IsNullOrEmpty(nodeName))
            {
                Schedule(pod, nodes);
                continue;
            }
            var node = nodes.FirstOrDefault(n => Json.Name(n) == nodeName);
            if (node is null) continue;
            if (phase == "Pending") Start(pod, node);
            else if (phase == "Running" && Owners.ControllerKind(pod) == "Job") Complete(pod);
        }
    }

    private void Schedule(JsonObject pod, List<JsonObject> nodes)
    {
        var selector = Json.Labels(pod, "spec", "nodeSelector");
        var fits = nodes
            .Where(n => Json.At(n, "spec", "unschedulable")?.GetValue<bool>() != true)
            .Where(n => { var l = Json.Labels(n); return selector.All(kv => l.TryGetValue(kv.Key, out var v) && v == kv.Value); })
            .OrderBy(n => Json.Labels(n).ContainsKey("node-role.kubernetes.io/edge") ? 1 : 0)
            .ThenBy(Json.Name)
            .ToList();
        var next = Json.Clone(pod);
        if (fits.Count == 0)
        {
            var status = Json.Obj(next, "status");
            status["phase"] = "Pending";
            status["conditions"] = new JsonArray(Owners.CopyCondition(pod["status"] as JsonObject, "PodScheduled", "False", "Unschedulable",
                $"0/{nodes.Count} nodes are available: {nodes.Count} node(s) didn't match Pod's node affinity/selector. preemption: 0/{nodes.Count} nodes are available: {nodes.Count} Preemption is not helpful for scheduling."));
            Owners.Save(state, "", "pods", next, UpdateKind.Status);
            return;
        }
        var node = Json.Name(fits[0]);
        Json.Obj(next, "spec")["nodeName"] = node;
        var saved = state.Store.Update(state.Type("", "pods"), Json.Namespace(pod), Json.Name(pod), next, UpdateKind.Full);
        events.Normal(saved, "Scheduled", $"Successfully assigned {Json.Namespace(pod)}/{Json.Name(pod)} to {node}", "default-scheduler");
    }

    private void Start(JsonObject pod, JsonObject node)
    {
        var now = Json.Now();
        var hostIp = Json.Objects(Json.At(node, "status", "addresses")).FirstOrDefault(a => Json.Str(a, "type") == "InternalIP") is { } a
            ? Json.Str(a, "address") : "172.18.0.2";
        var cidr = Json.Str(node, "spec", "podCIDR") ?? "10.244.0.0/24";
        var prefix = cidr[..(cidr.LastIndexOf('.') + 1)];
        var podIp = prefix + (Interlocked.Increment(ref _ipCounter) % 250 + 2);
        var hostNetwork = Json.At(pod, "spec", "hostNetwork")?.GetValue<bool>() == true;
        if (hostNetwork) podIp = hostIp!;
        var statuses = new JsonArray();
        foreach (var c in Json.Objects(Json.At(pod, "spec", "containers")))
        {
            var image = NormalizeImage(Json.Str(c, "image") ?? "");
            statuses.Add(new JsonObject
            {
                ["name"] = Json.Str(c, "name"),
                ["state"] = new JsonObject { ["running"] = new JsonObject { ["startedAt"] = now } },
                ["lastState"] = new JsonObject(),
                ["ready"] = true, ["restartCount"] = 0,
                ["image"] = image, ["imageID"] = $"{image.Split(':')[0]}@sha256:{Hex(image, 64)}",
                ["containerID"] = $"containerd://{Hex(Json.Uid(pod) + Json.Str(c, "name"), 64)}",
                ["started"] = true,
            });
        }
        JsonObject Cond(string type) => new() { ["type"] = type, ["status"] = "True", ["lastProbeTime"] = null, ["lastTransitionTime"] = now };
        var next = Json.Clone(pod);
        next["status"] = new JsonObject
        {
            ["phase"] = "Running",
            ["conditions"] = new JsonArray(Cond("PodReadyToStartContainers"), Cond("Initialized"), Cond("Ready"), Cond("ContainersReady"), Cond("PodScheduled")),
            ["hostIP"] = hostIp, ["hostIPs"] = new JsonArray(new JsonObject { ["ip"] = hostIp }),
            ["podIP"] = podIp, ["podIPs"] = new JsonArray(new JsonObject { ["ip"] = podIp }),
            ["startTime"] = now,
            ["containerStatuses"] = statuses,
            ["qosClass"] = QosClass(pod),
        };
        var saved = state.Store.Update(state.Type("", "pods"), Json.Namespace(pod), Json.Name(pod), next, UpdateKind.Status);
        var host = Json.Name(node);
        foreach (var c in Json.Objects(Json.At(pod, "spec", "containers")))
        {
            var name = Json.Str(c, "name");
            events.Normal(saved, "Pulled", $"Container image \"{Json.Str(c, "image")}\" already present on machine", "kubelet", host);
            events.Normal(saved, "Created", $"Created container {name}", "kubelet", host);
            events.Normal(saved, "Started", $"Started container {name}", "kubelet", host);
        }
    }

    private void Complete(JsonObject pod)
    {
        var now = Json.Now();
        var next = Json.Clone(pod);
        var status = Json.Obj(next, "status");
        status["phase"] = "Succeeded";
        foreach (var c in Json.Objects(status["conditions"]))
            if (Json.Str(c, "type") is "Ready" or "ContainersReady" or "PodReadyToStartContainers")
            {
                c["status"] = "False";
                c["lastTransitionTime"] = now;
                if (Json.Str(c, "type") != "PodReadyToStartContainers") c["reason"] = "PodCompleted";
            }
        foreach (var cs in Json.Objects(status["containerStatuses"]))
        {
            var started = Json.Str(cs, "state", "running", "startedAt") ?? now;
            cs["state"] = new JsonObject
            {
                ["terminated"] = new JsonObject
                {
                    ["exitCode"] = 0, ["reason"] = "Completed", ["startedAt"] = started, ["finishedAt"] = now,
                    ["containerID"] = Json.Str(cs, "containerID"),
                },
            };
            cs["ready"] = false;
            cs["started"] = false;
        }
        Owners.Save(state, "", "pods", next, UpdateKind.Status);
    }

    private static string QosClass(JsonObject pod)
    {
        var containers = Json.Objects(Json.At(pod, "spec", "containers")).ToList();
        var anyResources = containers.Any(c => Json.At(c, "resources", "requests") is JsonObject { Count: > 0 } || Json.At(c, "resources", "limits") is JsonObject { Count: > 0 });
        if (!anyResources) return "BestEffort";
        var guaranteed = containers.All(c =>
            Json.At(c, "resources", "limits") is JsonObject l && l.ContainsKey("cpu") && l.ContainsKey("memory") &&
            (Json.At(c, "resources", "requests") is not JsonObject r || JsonNode.DeepEquals(r, l)));
        return guaranteed ? "Guaranteed" : "Burstable";
    }

    /// <summary>"nginx" → "docker.io/library/nginx:latest", as containerd reports images.</summary>
    private static string NormalizeImage(string image)
    {
        var name = image;
        if (!name.Contains('/')) name = "docker.io/library/" + name;
        else if (!name.Split('/')[0].Contains('.') && !name.Split('/')[0].Contains(':') && name.Split('/')[0] != "localhost") name = "docker.io/" + name;
        var lastSegment = name[(name.LastIndexOf('/') + 1)..];
        if (!lastSegment.Contains(':') && !name.Contains('@')) name += ":latest";
        return name;
    }

    private static string Hex(string? seed, int length)
    {
        var bytes = SHA256.HashData(Encoding.UTF8.GetBytes(seed ?? ""));
        return Convert.ToHexString(bytes).ToLowerInvariant()[..Math.Min(length, 64)];
    }
}
