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
        var ct = http.RequestAborted;
        var interactive = ResourceHandler.IsTrue(q["stdin"]) && (command is ["cat"] || command.Length == 1 && Shells.Contains(command[0]));
        try
        {
            var result = interactive
                ? await Interactive(ws, command[0] == "cat", pod, container, ct)
                : ExecCommands.Run(command, pod, container, () => ContainerFileView.Build(state, pod, container), Host(pod));
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

    private static readonly string[] Shells = ["sh", "/bin/sh", "bash", "/bin/bash", "ash", "/bin/ash"];

    private HostTools? Host(JsonObject pod) => Json.Str(pod, "spec", "nodeName") is { } node ? new HostTools(state.Kubelet, node) : null;

    /// <summary>
    /// A shell (or cat) reading stdin: each line on channel 0 runs as <c>sh -c line</c> and its output is
    /// sent back at once; <c>exit n</c>, a v5 stdin close (channel 255) or the client closing ends it.
    /// </summary>
    private async Task<ExecResult> Interactive(WebSocket ws, bool cat, JsonObject pod, string container, CancellationToken ct)
    {
        var pending = new MemoryStream();
        var buffer = new byte[64 * 1024];
        var message = new MemoryStream();
        var exitCode = 0;
        while (ws.State == WebSocketState.Open)
        {
            message.SetLength(0);
            WebSocketReceiveResult r;
            do
            {
                r = await ws.ReceiveAsync(buffer, ct);
                message.Write(buffer, 0, r.Count);
            } while (!r.EndOfMessage && r.MessageType != WebSocketMessageType.Close);
            if (r.MessageType == WebSocketMessageType.Close) break;
            var data = message.ToArray();
            if (data.Length == 0) continue;
            if (data[0] == 255) break; // v5: the client closed stdin
            if (data[0] != 0) continue; // resize events and the like
            pending.Write(data, 1, data.Length - 1);
            while (TakeLine(pending) is { } line)
            {
                if (cat) { await Send(ws, 1, Encoding.UTF8.GetBytes(line + "\n"), ct); continue; }
                var words = line.Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (words.Length > 0 && words[0] == "exit")
                    return new ExecResult([], [], words.Length > 1 && int.TryParse(words[1], out var code) ? code : exitCode);
                if (words.Length == 0) continue;
                var result = ExecCommands.Run(["sh", "-c", line], pod, container, () => ContainerFileView.Build(state, pod, container), Host(pod));
                await Send(ws, 1, result.Stdout, ct);
                await Send(ws, 2, result.Stderr, ct);
                exitCode = result.ExitCode;
            }
        }
        if (cat && pending.Length > 0) await Send(ws, 1, pending.ToArray(), ct);
        return new ExecResult([], [], exitCode);
    }

    private static string? TakeLine(MemoryStream pending)
    {
        var bytes = pending.ToArray();
        var newline = Array.IndexOf(bytes, (byte)'\n');
        if (newline < 0) return null;
        var line = Encoding.UTF8.GetString(bytes, 0, newline).TrimEnd('\r');
        pending.SetLength(0);
        pending.Write(bytes, newline + 1, bytes.Length - newline - 1);
        return line;
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
