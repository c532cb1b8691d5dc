using System.Net.WebSockets;
using System.Text;
using System.Text.Json.Nodes;
using Fleet.Core.Kubernetes;
using Fleet.Core.Kubilitics;
using Fleet.Core.Platform.Errors;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Microsoft.Extensions.Options;

namespace Fleet.Core.Snap;

/// <summary>The result of a command run in the agent; stdout is empty when a callback consumed it.</summary>
public sealed record SnapAgentExecResult(int ExitCode, byte[] Stdout, string Stderr);

/// <summary>
/// The small privileged DaemonSet Fleet deploys on a cluster to reach what the kubelet leaves on the node: it mounts
/// <c>/var/lib/kubelet/checkpoints</c> (hostPath, read-only, at the same path) and is read with the API server's exec
/// subresource, so Fleet never needs SSH or node credentials. Applied with server-side apply (field manager
/// <c>fleet</c>), so deploying it again is harmless and brings an older spec up to date.
/// </summary>
public sealed class SnapAgent(ClusterRegistry registry, IOptions<SnapOptions> options)
{
    public const string Name = "fleet-snap-agent";
    public const string ContainerName = "agent";
    public const string CheckpointDirectory = "/var/lib/kubelet/checkpoints";
    public const string AppLabel = "app.kubernetes.io/name";
    private const string FieldManager = "fleet";

    public string Namespace => options.Value.AgentNamespace;

    /// <summary>Applies the agent's namespace and DaemonSet.</summary>
    public async Task EnsureAsync(string clusterId, CancellationToken ct)
    {
        var ns = Namespace;
        await registry.RunAsync(clusterId, async (k, t) =>
        {
            var nsBody = new JsonObject
            {
                ["apiVersion"] = "v1", ["kind"] = "Namespace",
                ["metadata"] = new JsonObject { ["name"] = ns, ["labels"] = new JsonObject { ["app.kubernetes.io/managed-by"] = "fleet" } },
            };
            await k.CoreV1.PatchNamespaceAsync(new V1Patch(nsBody.ToJsonString(), V1Patch.PatchType.ApplyPatch), ns,
                fieldManager: FieldManager, force: true, cancellationToken: t);
            await k.AppsV1.PatchNamespacedDaemonSetAsync(new V1Patch(DaemonSet(ns).ToJsonString(), V1Patch.PatchType.ApplyPatch), Name, ns,
                fieldManager: FieldManager, force: true, cancellationToken: t);
            return true;
        }, ct);
    }

    /// <summary>The agent's DaemonSet as applied: privileged, the kubelet's checkpoint folder mounted read-only, on every node.</summary>
    public JsonObject DaemonSet(string ns)
    {
        var labels = new JsonObject { [AppLabel] = Name, ["app.kubernetes.io/managed-by"] = "fleet" };
        return new JsonObject
        {
            ["apiVersion"] = "apps/v1",
            ["kind"] = "DaemonSet",
            ["metadata"] = new JsonObject { ["name"] = Name, ["namespace"] = ns, ["labels"] = labels.DeepClone() },
            ["spec"] = new JsonObject
            {
                ["selector"] = new JsonObject { ["matchLabels"] = new JsonObject { [AppLabel] = Name } },
                ["template"] = new JsonObject
                {
                    ["metadata"] = new JsonObject { ["labels"] = labels.DeepClone() },
                    ["spec"] = new JsonObject
                    {
                        ["tolerations"] = new JsonArray(new JsonObject { ["operator"] = "Exists" }),
                        ["terminationGracePeriodSeconds"] = 1,
                        ["containers"] = new JsonArray(new JsonObject
                        {
                            ["name"] = ContainerName,
                            ["image"] = options.Value.AgentImage,
                            ["command"] = new JsonArray("sh", "-c", "trap 'exit 0' TERM; while true; do sleep 3600 & wait; done"),
                            ["securityContext"] = new JsonObject { ["privileged"] = true },
                            ["resources"] = new JsonObject
                            {
                                ["requests"] = new JsonObject { ["cpu"] = "10m", ["memory"] = "16Mi" },
                                ["limits"] = new JsonObject { ["memory"] = "64Mi" },
                            },
                            ["volumeMounts"] = new JsonArray(new JsonObject
                            {
                                ["name"] = "checkpoints", ["mountPath"] = CheckpointDirectory, ["readOnly"] = true,
                            }),
                        }),
                        ["volumes"] = new JsonArray(new JsonObject
                        {
                            ["name"] = "checkpoints",
                            ["hostPath"] = new JsonObject { ["path"] = CheckpointDirectory, ["type"] = "DirectoryOrCreate" },
                        }),
                    },
                },
            },
        };
    }

    /// <summary>The running agent pod on <paramref name="node"/>, waiting for it (the DaemonSet may just have been applied).</summary>
    public async Task<string> PodOnNodeAsync(string clusterId, string node, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + options.Value.AgentReadyTimeout;
        while (true)
        {
            var pods = await registry.RunAsync(clusterId, (k, t) => k.CoreV1.ListNamespacedPodAsync(Namespace,
                labelSelector: $"{AppLabel}={Name}", fieldSelector: $"spec.nodeName={node}", cancellationToken: t), ct);
            var running = pods.Items.FirstOrDefault(p => p.Status?.Phase == "Running" && p.Metadata.DeletionTimestamp is null
                && p.Status.ContainerStatuses?.Any(c => c.Name == ContainerName && c.Ready) != false);
            if (running is not null) return running.Metadata.Name;
            if (DateTime.UtcNow > deadline)
                throw SnapErrors.Failed($"the checkpoint agent is not running on node '{node}' (DaemonSet {Namespace}/{Name})", FleetErrorKind.Unavailable);
            await Task.Delay(500, ct);
        }
    }

    /// <summary>
    /// Runs <paramref name="argv"/> in the agent pod <paramref name="pod"/>. With <paramref name="stdout"/> the output
    /// streams to it as it arrives (an archive of any size); without, it is collected (at most 1 MiB).
    /// </summary>
    public async Task<SnapAgentExecResult> ExecAsync(string clusterId, string pod, IReadOnlyList<string> argv,
        Func<Stream, CancellationToken, Task>? stdout, CancellationToken ct)
    {
        var client = await registry.StreamingClientAsync(clusterId, ct);
        WebSocket socket;
        try
        {
            socket = await client.WebSocketNamespacedPodExecAsync(pod, Namespace, argv, ContainerName, stderr: true, stdin: false, stdout: true,
                tty: false, webSocketSubProtocol: WebSocketProtocol.V5BinaryWebsocketProtocol, cancellationToken: ct);
        }
        catch (HttpOperationException e)
        {
            client.Dispose();
            throw SnapErrors.Failed($"exec in the checkpoint agent '{pod}' failed: {ClusterCalls.StatusMessage(e) ?? ((int)e.Response.StatusCode).ToString()}");
        }
        catch (WebSocketException e)
        {
            client.Dispose();
            throw SnapErrors.Failed($"exec in the checkpoint agent '{pod}' could not be opened: {e.Message}");
        }
        await using var session = new PodExecSession(client, socket, ContainerName, argv);
        var collected = new MemoryStream();
        var errors = ReadCappedAsync(session.Stderr, 64 * 1024, ct);
        if (stdout is not null) await stdout(session.Stdout, ct);
        else collected = await ReadCappedAsync(session.Stdout, 1024 * 1024, ct);
        var stderr = Encoding.UTF8.GetString((await errors).ToArray());
        var code = await session.ExitCodeAsync(ct) ?? 0;
        return new SnapAgentExecResult(code, collected.ToArray(), stderr);
    }

    private static async Task<MemoryStream> ReadCappedAsync(Stream from, int cap, CancellationToken ct)
    {
        var buffer = new byte[16 * 1024];
        var into = new MemoryStream();
        int n;
        while ((n = await from.ReadAsync(buffer, ct)) > 0)
            if (into.Length < cap) into.Write(buffer, 0, (int)Math.Min(n, cap - into.Length));
        return into;
    }
}
