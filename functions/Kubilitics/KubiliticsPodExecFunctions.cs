using Fleet.Functions.Platform.Contract;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using Fleet.Core.Kubilitics;
using Fleet.Core.Platform.Errors;
using Fleet.Core.Platform.Identity;
using Fleet.Functions.Platform.Auth;

namespace Fleet.Functions.Kubilitics;

/// <summary>
/// <c>pods/{namespace}/{name}/exec</c>: a WebSocket bridged to the pod's exec subresource. Client messages:
/// <c>{"type":"stdin","data":"..."}</c>, <c>{"type":"resize","cols":80,"rows":24}</c> (other text is stdin as is).
/// Server messages: <c>{"type":"stdout"|"stderr","data":"..."}</c>, then <c>{"type":"exit","code":n}</c> and a close.
/// </summary>
public static class KubiliticsPodExecFunctions
{
    public static void MapKubiliticsPodExec(this RouteGroupBuilder group)
    {
        group.MapGet("/v1/clusters/{clusterId}/pods/{namespace}/{name}/exec", Exec).WithTags("kubilitics").RequireRole(FleetRole.Operator).Streams(StreamKind.WebSocket)
            .WithSummary("Pod exec (WebSocket)")
            .WithDescription("Query: container (default: the first), command (default /bin/sh; split into arguments, never run by a shell). " +
                             "Client sends {type:'stdin',data} or {type:'resize',cols,rows}; server sends {type:'stdout'|'stderr',data} and {type:'exit',code}.")
            .Produces(101).Produces<KubiliticsErrorJson>(400).Produces<KubiliticsErrorJson>(403).Produces<KubiliticsErrorJson>(404).Produces<KubiliticsErrorJson>(502);
    }

    private static async Task Exec(string clusterId, string @namespace, string name, string? container, string? command, HttpContext http,
        PodExec exec, AuditLog audit)
    {
        if (!http.WebSockets.IsWebSocketRequest) throw FleetException.Validation("upgrade", "This endpoint needs a WebSocket upgrade");
        await using var session = await exec.OpenAsync(clusterId, @namespace, name, container, command, http.RequestAborted);
        var caller = http.User.Caller();
        await audit.RecordAsync("pod_exec", 101, caller?.UserId, caller?.Username, http.ClientIp(),
            $"exec in container '{session.Container}': {string.Join(' ', session.Command)}", clusterId: clusterId, kind: "pod", ns: @namespace, name: name,
            ct: CancellationToken.None);

        using var ws = await http.WebSockets.AcceptWebSocketAsync();
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted);
        var gate = new SemaphoreSlim(1, 1);
        var output = Task.WhenAll(Pump(session.Stdout, "stdout", ws, gate, cts.Token), Pump(session.Stderr, "stderr", ws, gate, cts.Token));
        // Reading the client is not cancelled when the command ends: a cancelled receive would abort the socket before the close handshake.
        var input = ForwardInput(ws, session, http.RequestAborted);
        int? code = null;
        if (await Task.WhenAny(output, input) == output)
        {
            try
            {
                using var wait = CancellationTokenSource.CreateLinkedTokenSource(cts.Token);
                wait.CancelAfter(TimeSpan.FromSeconds(5));
                code = await session.ExitCodeAsync(wait.Token);
                await KubiliticsSockets.SendJsonAsync(ws, new { type = "exit", code }, gate, cts.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or WebSocketException or IOException or ObjectDisposedException) { }
        }
        // Either side ended: stop the exec (which ends the pumps), then close the client's socket properly.
        await session.DisposeAsync();
        cts.Cancel();
        await KubiliticsSockets.CloseAsync(ws, input, WebSocketCloseStatus.NormalClosure, code is null ? "ended" : $"exit {code}");
        try { await output.WaitAsync(TimeSpan.FromSeconds(5)); }
        catch (TimeoutException) { }
    }

    private static async Task Pump(Stream from, string type, WebSocket ws, SemaphoreSlim gate, CancellationToken ct)
    {
        var buffer = new byte[8192];
        var decoder = Encoding.UTF8.GetDecoder();
        var chars = new char[Encoding.UTF8.GetMaxCharCount(buffer.Length)];
        try
        {
            int n;
            while ((n = await from.ReadAsync(buffer, ct)) > 0)
            {
                var count = decoder.GetChars(buffer, 0, n, chars, 0);
                if (count > 0) await KubiliticsSockets.SendJsonAsync(ws, new { type, data = new string(chars, 0, count) }, gate, ct);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or WebSocketException or IOException or ObjectDisposedException) { }
    }

    /// <summary>Client messages to stdin and resize; ends the session when the client closes.</summary>
    private static async Task ForwardInput(WebSocket ws, PodExecSession session, CancellationToken ct)
    {
        try
        {
            while (ws.State == WebSocketState.Open)
            {
                var text = await KubiliticsSockets.ReceiveTextAsync(ws, ct);
                if (text is null) break;
                string? stdin = text;
                if (text.StartsWith('{'))
                {
                    try
                    {
                        using var doc = JsonDocument.Parse(text);
                        var root = doc.RootElement;
                        var type = root.TryGetProperty("type", out var t) ? t.GetString() : null;
                        if (type == "resize")
                        {
                            await session.ResizeAsync(root.GetProperty("cols").GetInt32(), root.GetProperty("rows").GetInt32(), ct);
                            stdin = null;
                        }
                        else if (type is "stdin" or "input") stdin = root.GetProperty("data").GetString();
                    }
                    catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException) { }
                }
                if (!string.IsNullOrEmpty(stdin))
                {
                    await session.Stdin.WriteAsync(Encoding.UTF8.GetBytes(stdin), ct);
                    await session.Stdin.FlushAsync(ct);
                }
            }
        }
        catch (Exception e) when (e is OperationCanceledException or WebSocketException or IOException or ObjectDisposedException) { }
    }
}
