using System.Collections.Concurrent;
using System.Globalization;
using System.Net.WebSockets;
using System.Text.Json;
using Fleet.Core.Pioneer;
using Fleet.Core.Platform.Errors;
using Fleet.Core.Platform.Events;
using Fleet.Core.Platform.Identity;
using Fleet.Core.Platform.Json;
using Fleet.Functions.Platform.Auth;
using Fleet.Functions.Platform.Contract;
using Fleet.Functions.Platform.Docs;
using Microsoft.Extensions.Options;

namespace Fleet.Functions.Pioneer;

/// <summary>
/// The seed's event streams: <c>POST /events/stream</c> registers one and answers its WebSocket URL and a single-use
/// token; <c>GET /events/{stream_id}?token=...</c> (a WebSocket) sends <c>metric_update</c> events of matching resources;
/// <c>POST /events/stream/{stream_id}/token</c> gives a new token to reconnect (registrations survive restarts).
/// </summary>
public static class PioneerStreamFunctions
{
    public sealed record PioneerStreamFilters(List<string?>? ResourceTypes = null, List<string?>? Metrics = null, string? MinInterval = null);
    public sealed record PioneerStreamRequest(string? Topic = null, PioneerStreamFilters? Filters = null);
    public sealed record PioneerStreamCreated(string StreamId, string WebsocketUrl, string Token);

    public static void MapPioneerStreams(this RouteGroupBuilder group)
    {
        group.MapPost("/events/stream", Create).RequireRole(FleetRole.Viewer).WithName("PioneerCreateEventStream").WithSummary("Create event stream")
            .WithRequestExample(new { topic = "resource_metrics", filters = new { resource_types = new[] { "instance", "database" }, metrics = new[] { "cpu", "memory" }, min_interval = "1m" } })
            .PioneerResponses<PioneerStreamCreated>(400);
        group.MapPost("/events/stream/{stream_id}/token", Token).RequireRole(FleetRole.Viewer).WithName("PioneerStreamToken")
            .WithSummary("New token for an event stream (to reconnect)").PioneerResponses<PioneerStreamCreated>(404);
        group.MapGet("/events/{stream_id}", Socket).Anonymous().WithName("PioneerEventStream")
            .WithSummary("Event stream (WebSocket; ?token= from POST /events/stream)").Streams(StreamKind.WebSocket)
            .Produces<MetricUpdate>(101).Produces<PlatformErrorBody>(400).Produces<PlatformErrorBody>(401).Produces<PlatformErrorBody>(404);
    }

    private static string Owner(HttpContext http) => http.User.FindFirst(FleetClaims.UserId)?.Value ?? "";

    private static PioneerStreamCreated Answer(HttpContext http, StreamTicket t)
    {
        var scheme = http.Request.IsHttps ? "wss" : "ws";
        return new PioneerStreamCreated(t.StreamId, $"{scheme}://{http.Request.Host}{http.Request.PathBase}/api/pioneer/events/{t.StreamId}", t.Token);
    }

    private static async Task<IResult> Create(PioneerStreamRequest body, HttpContext http, EventStreams streams, CancellationToken ct)
    {
        var filter = EventStreams.ParseFilter(body.Topic, body.Filters?.ResourceTypes, body.Filters?.Metrics, body.Filters?.MinInterval);
        return Results.Json(Answer(http, await streams.CreateAsync(filter, Owner(http), ct)), FleetJson.Options);
    }

    private static async Task<IResult> Token(string stream_id, HttpContext http, EventStreams streams, CancellationToken ct) =>
        Results.Json(Answer(http, await streams.IssueTokenAsync(stream_id, Owner(http), ct)), FleetJson.Options);

    /// <summary>
    /// One text message per matching update. The server pings every <see cref="PioneerStreamOptions.PingInterval"/>;
    /// a client that has not answered within <see cref="PioneerStreamOptions.PongTimeout"/> is dropped.
    /// </summary>
    private static async Task Socket(HttpContext http, string stream_id, string? token, EventStreams streams, IEventBus bus,
        IOptions<PioneerOptions> options)
    {
        if (!http.WebSockets.IsWebSocketRequest) throw FleetException.Validation("upgrade", "This endpoint needs a WebSocket upgrade");
        var filter = await streams.RedeemAsync(stream_id, token, http.RequestAborted);
        using var sub = bus.Subscribe(e => e.Family == MetricUpdates.Family && e.Type == MetricUpdates.EventType);
        var o = options.Value.Streams;
        using var ws = await http.WebSockets.AcceptWebSocketAsync(new WebSocketAcceptContext { KeepAliveInterval = o.PingInterval, KeepAliveTimeout = o.PongTimeout });
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted);
        // Reading is what processes pongs and close frames; a missed pong aborts the socket and ends the read.
        var reader = Task.Run(async () =>
        {
            var buffer = new byte[1024];
            try
            {
                while (ws.State == WebSocketState.Open)
                    if ((await ws.ReceiveAsync(buffer, cts.Token)).MessageType == WebSocketMessageType.Close) break;
            }
            catch (Exception e) when (e is WebSocketException or OperationCanceledException) { }
            await cts.CancelAsync();
        });
        var lastSent = new ConcurrentDictionary<string, DateTimeOffset>();
        try
        {
            await foreach (var e in sub.Reader.ReadAllAsync(cts.Token))
            {
                var id = e.Data["resource_id"]?.GetValue<string>() ?? "";
                var type = e.Data["resource_type"]?.GetValue<string>() ?? "";
                if (!filter.Matches(type)) continue;
                if (lastSent.TryGetValue(id, out var last) && e.Timestamp - last < filter.MinInterval) continue;
                var data = filter.Project(e.Data["data"].Deserialize<Dictionary<string, double>>() ?? []);
                if (data.Count == 0) continue;
                lastSent[id] = e.Timestamp;
                var update = new MetricUpdate(MetricUpdates.EventType, e.Timestamp.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture), id, data);
                await ws.SendAsync(JsonSerializer.SerializeToUtf8Bytes(update, FleetJson.Options), WebSocketMessageType.Text, true, cts.Token);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or WebSocketException) { }
        await reader;
        if (ws.State is WebSocketState.Open or WebSocketState.CloseReceived)
        {
            try { await ws.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "bye", CancellationToken.None); }
            catch (WebSocketException) { }
        }
    }
}
