using Fleet.Functions.Platform.Contract;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using Docker.DotNet.Models;
using Fleet.Core.Homei;
using Fleet.Core.Platform.Errors;
using Fleet.Core.Platform.Events;
using Fleet.Core.Platform.Json;
using Fleet.Functions.Platform.Auth;

namespace Fleet.Functions.Homei;

/// <summary>
/// The seed's WebSocket endpoints. Pings and dropping silent clients come from the host's WebSocket
/// keep-alive (a ping every interval; no pong within the timeout closes the socket).
/// </summary>
public static class HomeiStreamFunctions
{
    public static void MapHomeiStreams(this RouteGroupBuilder api)
    {
        api.MapGet("/ws/events", Events).RequireRole(FleetRole.Viewer).WithName("HomeiEventStream").WithSummary("System events (WebSocket)").Streams(StreamKind.WebSocket);
        api.MapGet("/ws/containers/{container_id}/logs", Logs).RequireRole(FleetRole.Viewer).Streams(StreamKind.WebSocket)
            .WithName("HomeiLogStream").WithSummary("Container logs (WebSocket)");
    }

    /// <summary>Every Homei event as <c>{"type","data","timestamp"}</c>.</summary>
    private static async Task Events(HttpContext http, IEventBus bus)
    {
        if (!http.WebSockets.IsWebSocketRequest) throw FleetException.Validation("upgrade", "This endpoint needs a WebSocket upgrade");
        using var sub = bus.Subscribe(e => e.Family == "homei");
        using var ws = await http.WebSockets.AcceptWebSocketAsync();
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted);
        var reader = DrainUntilClosed(ws, cts);
        try
        {
            await foreach (var e in sub.Reader.ReadAllAsync(cts.Token))
            {
                var json = JsonSerializer.SerializeToUtf8Bytes(new { type = e.Type, data = e.Data, timestamp = e.Timestamp.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ") }, FleetJson.Options);
                await ws.SendAsync(json, WebSocketMessageType.Text, true, cts.Token);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or WebSocketException) { }
        await CloseAsync(ws, reader);
    }

    /// <summary>The last 100 lines, then new ones as they come, one text message per line.</summary>
    private static async Task Logs(HttpContext http, string container_id, HomeiContainers containers, ContainerRuntime runtime)
    {
        var c = await containers.InspectAsync(container_id, http.RequestAborted); // 404 before the upgrade
        if (!http.WebSockets.IsWebSocketRequest) throw FleetException.Validation("upgrade", "This endpoint needs a WebSocket upgrade");
        using var ws = await http.WebSockets.AcceptWebSocketAsync();
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted);
        var reader = DrainUntilClosed(ws, cts);
        try
        {
            using var stream = await runtime.Client.Containers.GetContainerLogsAsync(c.ID, c.Config?.Tty ?? false,
                new ContainerLogsParameters { ShowStdout = true, ShowStderr = true, Follow = true, Tail = "100" }, cts.Token);
            var buffer = new byte[16384];
            var pending = new StringBuilder();
            var lines = new List<string>();
            while (!cts.IsCancellationRequested)
            {
                var r = await stream.ReadOutputAsync(buffer, 0, buffer.Length, cts.Token);
                if (r.EOF) break;
                pending.Append(Encoding.UTF8.GetString(buffer, 0, r.Count));
                HomeiContainers.SplitLines(pending, lines);
                foreach (var line in lines) await ws.SendAsync(Encoding.UTF8.GetBytes(line), WebSocketMessageType.Text, true, cts.Token);
                lines.Clear();
            }
        }
        catch (Exception e) when (e is OperationCanceledException or WebSocketException or IOException) { }
        await CloseAsync(ws, reader);
    }

    /// <summary>Reads (and ignores) client frames so close frames and pongs are processed; cancels when the client leaves.</summary>
    private static async Task DrainUntilClosed(WebSocket ws, CancellationTokenSource cts)
    {
        var buffer = new byte[1024];
        try
        {
            while (ws.State == WebSocketState.Open)
                if ((await ws.ReceiveAsync(buffer, cts.Token)).MessageType == WebSocketMessageType.Close) break;
        }
        catch (Exception e) when (e is OperationCanceledException or WebSocketException) { }
        cts.Cancel();
    }

    private static async Task CloseAsync(WebSocket ws, Task reader)
    {
        if (ws.State is WebSocketState.Open or WebSocketState.CloseReceived)
        {
            try { await ws.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "done", CancellationToken.None); }
            catch (WebSocketException) { }
        }
        await reader;
    }
}
