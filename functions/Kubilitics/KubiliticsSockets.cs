using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using Fleet.Core.Platform.Json;

namespace Fleet.Functions.Kubilitics;

/// <summary>WebSocket helpers of the Kubilitics streams. Pings come from the host's WebSocket keep-alive.</summary>
public static class KubiliticsSockets
{
    /// <summary>Reads (and ignores) client frames so close frames and pongs are processed; cancels when the client leaves.</summary>
    public static async Task DrainUntilClosed(WebSocket ws, CancellationTokenSource cts)
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

    public static async Task CloseAsync(WebSocket ws, Task? reader, WebSocketCloseStatus status = WebSocketCloseStatus.NormalClosure, string reason = "done")
    {
        if (ws.State is WebSocketState.Open or WebSocketState.CloseReceived)
        {
            try
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                await ws.CloseOutputAsync(status, reason, timeout.Token);
            }
            catch (Exception e) when (e is WebSocketException or OperationCanceledException) { }
        }
        if (reader is not null) await reader;
    }

    /// <summary>One whole text message, or null when the client closed (messages above <paramref name="limit"/> bytes close with 1009).</summary>
    public static async Task<string?> ReceiveTextAsync(WebSocket ws, CancellationToken ct, int limit = 64 * 1024)
    {
        var buffer = new byte[4096];
        using var message = new MemoryStream();
        while (true)
        {
            var r = await ws.ReceiveAsync(buffer, ct);
            if (r.MessageType == WebSocketMessageType.Close) return null;
            message.Write(buffer, 0, r.Count);
            if (message.Length > limit)
            {
                await CloseAsync(ws, null, WebSocketCloseStatus.MessageTooBig, "message too large");
                return null;
            }
            if (r.EndOfMessage) return Encoding.UTF8.GetString(message.GetBuffer(), 0, (int)message.Length);
        }
    }

    public static Task SendJsonAsync(WebSocket ws, object value, SemaphoreSlim gate, CancellationToken ct) =>
        SendAsync(ws, JsonSerializer.SerializeToUtf8Bytes(value, FleetJson.Options), gate, ct);

    public static async Task SendAsync(WebSocket ws, byte[] utf8, SemaphoreSlim gate, CancellationToken ct)
    {
        await gate.WaitAsync(ct);
        try { await ws.SendAsync(utf8, WebSocketMessageType.Text, true, ct); }
        finally { gate.Release(); }
    }
}
