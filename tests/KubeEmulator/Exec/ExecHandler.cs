using System.Net.WebSockets;
using System.Text;
using System.Text.Json.Nodes;
using Fleet.KubeEmulator.Api;
using Fleet.KubeEmulator.Kubelet;
using Fleet.KubeEmulator.Store;
using Microsoft.AspNetCore.Http;

namespace Fleet.KubeEmulator.Exec;

/// <summary>
/// pods/{name}/exec over WebSocket with the channel protocols: every binary message starts with a
/// channel byte (0 stdin, 1 stdout, 2 stderr, 3 error/status); v4 and v5 send a metav1.Status on channel 3.
/// </summary>
public sealed class ExecHandler(EmulatorState state)
{
    private const string V5 = "v5.channel.k8s.io", V4 = "v4.channel.k8s.io", V3 = "v3.channel.k8s.io", V2 = "v2.channel.k8s.io", V1 = "channel.k8s.io";
    private static readonly string[] Supported = [V5, V4, V3, V2, V1];
    private const int ChunkSize = 32 * 1024;

    public async Task Handle(HttpContext http, ResourcePath p)
    {
        var pod = state.Store.Get(p.Type, p.Namespace, p.Name!) ?? throw ApiException.NotFound("pods", "", p.Name!);
        var q = http.Request.Query;
        var container = PodLogHandler.ResolveContainer(pod, q["container"]);
        var command = q["command"].Where(c => c is not null).Select(c => c!).ToArray();
        if (command.Length == 0) throw ApiException.BadRequest("you must specify at least 1 command");
        if (!http.WebSockets.IsWebSocketRequest) throw ApiException.BadRequest("Upgrade request required");
        if (Json.Str(pod, "status", "phase") != "Running")
            throw ApiException.BadRequest($"unable to upgrade connection: container not found (\"{container}\")");

        var protocol = http.WebSockets.WebSocketRequestedProtocols.FirstOrDefault(Supported.Contains);
        using var ws = await http.WebSockets.AcceptWebSocketAsync(protocol);
        var result = ExecCommands.Run(command, pod, container, () => ContainerFileView.Build(state, pod, container));
        var ct = http.RequestAborted;
        try
        {
            if (ResourceHandler.IsTrue(q["stdout"]) || q["stdout"].Count == 0) await Send(ws, 1, result.Stdout, ct);
            if (ResourceHandler.IsTrue(q["stderr"]) || q["stderr"].Count == 0) await Send(ws, 2, result.Stderr, ct);
            var status = protocol is V4 or V5 ? StatusJson(command, result) : ErrorText(result);
            if (status is not null) await SendFrame(ws, 3, Encoding.UTF8.GetBytes(status), ct);
            await ws.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "", ct);
            // Let the client see the close; drain whatever it still sends (stdin, v5 close frames).
            using var drain = CancellationTokenSource.CreateLinkedTokenSource(ct);
            drain.CancelAfter(TimeSpan.FromSeconds(2));
            var buffer = new byte[4096];
            while (ws.State is WebSocketState.CloseSent or WebSocketState.Open)
            {
                var r = await ws.ReceiveAsync(buffer, drain.Token);
                if (r.MessageType == WebSocketMessageType.Close) break;
            }
        }
        catch (OperationCanceledException) { }
        catch (WebSocketException) { }
    }

    private static async Task Send(WebSocket ws, byte channel, byte[] data, CancellationToken ct)
    {
        for (var offset = 0; offset < data.Length; offset += ChunkSize)
            await SendFrame(ws, channel, data.AsSpan(offset, Math.Min(ChunkSize, data.Length - offset)).ToArray(), ct);
    }

    private static async Task SendFrame(WebSocket ws, byte channel, byte[] payload, CancellationToken ct)
    {
        var frame = new byte[payload.Length + 1];
        frame[0] = channel;
        payload.CopyTo(frame, 1);
        await ws.SendAsync(frame, WebSocketMessageType.Binary, true, ct);
    }

    private static string StatusJson(string[] command, ExecResult r)
    {
        if (r.StartError is not null)
            return new JsonObject
            {
                ["metadata"] = new JsonObject(), ["status"] = "Failure",
                ["message"] = $"failed to exec in container: failed to start exec: {r.StartError}",
                ["reason"] = "InternalError", ["code"] = 500,
            }.Serialize();
        if (r.ExitCode == 0) return new JsonObject { ["metadata"] = new JsonObject(), ["status"] = "Success" }.Serialize();
        return new JsonObject
        {
            ["metadata"] = new JsonObject(), ["status"] = "Failure",
            ["message"] = $"command terminated with non-zero exit code: error executing command [{string.Join(' ', command)}], exit code {r.ExitCode}",
            ["reason"] = "NonZeroExitCode",
            ["details"] = new JsonObject
            {
                ["causes"] = new JsonArray(new JsonObject { ["reason"] = "ExitCode", ["message"] = r.ExitCode.ToString() }),
            },
        }.Serialize();
    }

    // The older protocols carry only an error text on channel 3, and nothing on success.
    private static string? ErrorText(ExecResult r) =>
        r.StartError ?? (r.ExitCode == 0 ? null : $"command terminated with non-zero exit code: exit code {r.ExitCode}");
}
