using System.Net.WebSockets;
using System.Text;
using System.Text.Json.Nodes;

namespace Fleet.Tests.KubeEdge;

/// <summary>Live events: SSE with ids and Last-Event-ID resume, and the WebSocket.</summary>
[Trait("Category", "Kubernetes")]
public sealed class KubeEdgeStreamTests(KubeEdgeFixture f) : IClassFixture<KubeEdgeFixture>
{
    private sealed record Sse(long Id, JsonNode Data);

    /// <summary>Reads SSE frames until <paramref name="until"/> holds.</summary>
    private async Task<List<Sse>> ReadAsync(string? lastEventId, Func<List<Sse>, bool> until, Func<Task>? whileOpen = null)
    {
        using var req = new HttpRequestMessage(HttpMethod.Get, "/api/kubeedge/monitor/stream");
        if (lastEventId is not null) req.Headers.Add("Last-Event-ID", lastEventId);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        using var r = await f.Client.SendAsync(req, HttpCompletionOption.ResponseHeadersRead, cts.Token);
        Assert.Equal("text/event-stream", r.Content.Headers.ContentType!.MediaType);
        using var reader = new StreamReader(await r.Content.ReadAsStreamAsync(cts.Token));
        var events = new List<Sse>();
        var act = whileOpen?.Invoke() ?? Task.CompletedTask;
        long? id = null;
        while (!until(events))
        {
            var line = await reader.ReadLineAsync(cts.Token) ?? throw new InvalidOperationException("stream ended");
            if (line.StartsWith("id: ")) id = long.Parse(line[4..]);
            else if (line.StartsWith("data: ")) events.Add(new Sse(id!.Value, JsonNode.Parse(line[6..])!));
        }
        await act;
        return events;
    }

    [Fact]
    public async Task Sse_delivers_device_joined_and_detection_and_resumes_from_Last_Event_ID()
    {
        var id = KubeEdgeFixture.Unique("cam");
        var live = await ReadAsync(null,
            ev => ev.Any(e => (string?)e.Data["event"] == "detection" && (string?)e.Data["device_id"] == id),
            async () =>
            {
                await Task.Delay(300);
                Assert.Equal(201, (await f.SendAsync(HttpMethod.Post, "/api/kubeedge/device/join", $$"""{"node_name":"{{f.EdgeNode}}","device_id":"{{id}}"}""")).Status);
                using var device = await f.DeviceClientAsync();
                await KubeEdgeFixture.PublishAsync(device, $"{f.TopicPrefix}/device/{id}/detection", """{"object":"person","confidence":0.95}""");
            });
        var joined = live.First(e => (string?)e.Data["event"] == "device_joined" && (string?)e.Data["device_id"] == id);
        Assert.Equal(f.EdgeNode, (string?)joined.Data["node_name"]);
        Assert.NotNull(joined.Data["timestamp"]);
        var detection = live.First(e => (string?)e.Data["event"] == "detection" && (string?)e.Data["device_id"] == id);
        Assert.Equal("person", (string?)detection.Data["object"]);
        Assert.Equal(0.95, (double)detection.Data["confidence"]!);
        Assert.True(detection.Id > joined.Id);

        // Reconnecting with the id of device_joined replays what came after it: the detection.
        var resumed = await ReadAsync(joined.Id.ToString(), ev => ev.Any(e => e.Id == detection.Id));
        Assert.All(resumed, e => Assert.True(e.Id > joined.Id));
        Assert.Equal("detection", (string?)resumed.First(e => e.Id == detection.Id).Data["event"]);

        var metrics = JsonNode.Parse(await f.Client.GetStringAsync("/api/kubeedge/metrics"))!;
        Assert.True((long)metrics["total_detections_today"]! >= 1);
    }

    [Fact]
    public async Task WebSocket_carries_the_same_events()
    {
        using var ws = new ClientWebSocket();
        var uri = new UriBuilder(f.App.BaseAddress) { Scheme = "ws", Path = "/api/kubeedge/ws" }.Uri;
        await ws.ConnectAsync(uri, CancellationToken.None);
        await Task.Delay(300);
        var id = KubeEdgeFixture.Unique("ws");
        Assert.Equal(201, (await f.SendAsync(HttpMethod.Post, "/api/kubeedge/device/join", $$"""{"node_name":"{{f.EdgeNode}}","device_id":"{{id}}"}""")).Status);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var buffer = new byte[64 * 1024];
        while (true)
        {
            var r = await ws.ReceiveAsync(buffer, cts.Token);
            var msg = JsonNode.Parse(Encoding.UTF8.GetString(buffer, 0, r.Count))!;
            if ((string?)msg["event"] == "device_joined" && (string?)msg["device_id"] == id) break;
        }
        await ws.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", CancellationToken.None);
    }
}
