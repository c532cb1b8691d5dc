using Fleet.Functions.Platform.Contract;
using Fleet.Core.Platform.Errors;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json.Nodes;
using Fleet.Core.KubeEdge;
using Fleet.Core.Platform.Events;
using Fleet.Functions.Platform.Auth;
using Microsoft.Extensions.Options;

namespace Fleet.Functions.KubeEdge;

/// <summary>Live events (SSE with ids and Last-Event-ID resume, WebSocket) and the aggregated metrics.</summary>
public static class KubeEdgeMonitorFunctions
{
    public sealed record Metrics(int TotalDevices, int OnlineDevices, long TotalDetectionsToday, string AverageLatency, long CommandsToday);

    public static void MapKubeEdgeMonitor(this RouteGroupBuilder group)
    {
        group.MapGet("/monitor/stream", Stream).RequireRole(FleetRole.Viewer).WithSummary("SSE real-time events").Streams(StreamKind.ServerSentEvents);
        group.MapGet("/ws", Socket).RequireRole(FleetRole.Viewer).WithSummary("WebSocket events").Streams(StreamKind.WebSocket);
        group.MapGet("/metrics", async (DeviceService devices, KubeEdgeStats stats, KubeEdgeScope scope, CancellationToken ct) =>
        {
            var (total, online) = await devices.CountAsync(ct);
            var today = await stats.TodayAsync(await scope.ClusterIdAsync(ct), ct);
            var avg = today.CommandRoundTrips == 0 ? 0 : today.CommandLatencyMsTotal / today.CommandRoundTrips;
            return Results.Json(new Metrics(total, online, today.Detections, $"{avg}ms", today.CommandRoundTrips));
        }).RequireRole(FleetRole.Viewer).WithSummary("Aggregated metrics");
    }

    /// <summary>The seed's line: <c>data: {"event":"device_joined",…}</c>; the event name rides inside data so EventSource.onmessage sees every event.</summary>
    public static string Payload(FleetEvent e)
    {
        var o = new JsonObject { ["event"] = e.Type };
        foreach (var (k, v) in e.Data) o[k] = v?.DeepClone();
        o["timestamp"] ??= e.Timestamp.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ");
        return o.ToJsonString();
    }

    private static async Task Stream(HttpContext http, IEventBus bus, IOptions<KubeEdgeOptions> options)
    {
        var ct = http.RequestAborted;
        var lastId = http.Request.Headers["Last-Event-ID"].FirstOrDefault() ?? http.Request.Query["last_event_id"].FirstOrDefault();
        long? after = long.TryParse(lastId, out var l) ? l : null;
        http.Response.ContentType = "text/event-stream";
        http.Response.Headers.CacheControl = "no-cache";
        http.Response.Headers["X-Accel-Buffering"] = "no";
        await http.Response.WriteAsync("retry: 3000\n\n", ct);
        await http.Response.Body.FlushAsync(ct);

        var gate = new SemaphoreSlim(1, 1);
        using var heartbeat = new PeriodicTimer(TimeSpan.FromSeconds(options.Value.SseHeartbeatSeconds));
        var beats = Task.Run(async () =>
        {
            try
            {
                while (await heartbeat.WaitForNextTickAsync(ct))
                    await Locked(gate, () => http.Response.WriteAsync(": ping\n\n", ct), http, ct);
            }
            catch (OperationCanceledException) { }
        }, CancellationToken.None);
        try
        {
            await foreach (var e in bus.SubscribeAsync(KubeEdgeEvents.Family, after, ct))
                await Locked(gate, () => http.Response.WriteAsync($"id: {e.Id}\ndata: {Payload(e)}\n\n", ct), http, ct);
        }
        catch (OperationCanceledException) { }
        heartbeat.Dispose();
        await beats;
    }

    private static async Task Locked(SemaphoreSlim gate, Func<Task> write, HttpContext http, CancellationToken ct)
    {
        await gate.WaitAsync(ct);
        try
        {
            await write();
            await http.Response.Body.FlushAsync(ct);
        }
        finally { gate.Release(); }
    }

    /// <summary>Each event as one text message; pings every 20 s and drops a client that stops answering.</summary>
    private static async Task Socket(HttpContext http, IEventBus bus)
    {
        if (!http.WebSockets.IsWebSocketRequest)
            throw FleetException.Validation("upgrade", "WebSocket upgrade required");
        using var ws = await http.WebSockets.AcceptWebSocketAsync(new WebSocketAcceptContext
        {
            KeepAliveInterval = TimeSpan.FromSeconds(20), KeepAliveTimeout = TimeSpan.FromSeconds(20),
        });
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted);
        // Reading is what notices a close or a dead peer.
        var reader = Task.Run(async () =>
        {
            var buffer = new byte[1024];
            try
            {
                while (ws.State == WebSocketState.Open)
                    if ((await ws.ReceiveAsync(buffer, cts.Token)).MessageType == WebSocketMessageType.Close) break;
            }
            catch (Exception) { }
            cts.Cancel();
        });
        try
        {
            await foreach (var e in bus.SubscribeAsync(KubeEdgeEvents.Family, null, cts.Token))
                await ws.SendAsync(Encoding.UTF8.GetBytes(Payload(e)), WebSocketMessageType.Text, true, cts.Token);
        }
        catch (Exception) when (cts.IsCancellationRequested) { }
        await reader;
        if (ws.State is WebSocketState.Open or WebSocketState.CloseReceived)
            await ws.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "bye", CancellationToken.None);
    }
}
