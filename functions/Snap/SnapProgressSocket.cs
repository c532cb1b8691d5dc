using System.Net.WebSockets;
using System.Text.Json;
using Fleet.Core.Platform.Errors;
using Fleet.Core.Platform.Events;
using Fleet.Core.Platform.Json;
using Fleet.Core.Snap;
using Fleet.Functions.Platform.Auth;
using Fleet.Functions.Platform.Contract;

namespace Fleet.Functions.Snap;

/// <summary>
/// <c>ws/progress</c>: every SNAP progress message as it happens, one JSON text message each:
/// <c>{"type":"progress","operation_id","task_name","stage","progress","percent","bytes","total_bytes","message","timestamp"}</c>.
/// </summary>
public static class SnapProgressSocket
{
    public static void MapSnapProgress(this RouteGroupBuilder group) =>
        group.MapGet("/ws/progress", Progress).RequireRole(FleetRole.Viewer).WithName("SnapProgressStream")
            .WithSummary("Progress updates (WebSocket)").Streams(StreamKind.WebSocket);

    private static async Task Progress(HttpContext http, IEventBus bus)
    {
        if (!http.WebSockets.IsWebSocketRequest) throw FleetException.Validation("upgrade", "This endpoint needs a WebSocket upgrade");
        using var sub = bus.Subscribe(e => e.Family == SnapProgress.Family && e.Type == SnapProgress.Type);
        using var ws = await http.WebSockets.AcceptWebSocketAsync();
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted);
        var reader = DrainUntilClosed(ws, cts);
        try
        {
            await foreach (var e in sub.Reader.ReadAllAsync(cts.Token))
            {
                var message = e.Data.DeepClone().AsObject();
                message["type"] = e.Type;
                message["timestamp"] = e.Timestamp.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ");
                await ws.SendAsync(JsonSerializer.SerializeToUtf8Bytes(message, FleetJson.Options), WebSocketMessageType.Text, true, cts.Token);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or WebSocketException) { }
        if (ws.State is WebSocketState.Open or WebSocketState.CloseReceived)
        {
            try { await ws.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "done", CancellationToken.None); }
            catch (WebSocketException) { }
        }
        await reader;
    }

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
}
