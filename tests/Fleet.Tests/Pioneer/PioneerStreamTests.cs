using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json.Nodes;
using Fleet.Functions.Platform.Auth;

namespace Fleet.Tests.Pioneer;

/// <summary>CloudPioneer's event streams: registration, the single-use token, metric_update delivery by filter, the heartbeat.</summary>
public sealed class PioneerStreamTests(PioneerLiveFixture f) : IClassFixture<PioneerLiveFixture>
{
    private async Task<JsonNode> Register(object body)
    {
        var r = await f.Viewer.PostAsJsonAsync("/api/pioneer/events/stream", body);
        var text = await r.Content.ReadAsStringAsync();
        Assert.True(r.StatusCode == HttpStatusCode.OK, text);
        var s = JsonNode.Parse(text)!;
        Assert.StartsWith("stream_", (string?)s["stream_id"]);
        Assert.Equal($"ws://{f.App.BaseAddress.Authority}/api/pioneer/events/{s["stream_id"]}", (string?)s["websocket_url"]);
        return s;
    }

    private static async Task<ClientWebSocket> Connect(string url, string? token, HttpStatusCode expect = HttpStatusCode.SwitchingProtocols)
    {
        var ws = new ClientWebSocket();
        ws.Options.KeepAliveInterval = TimeSpan.Zero;
        ws.Options.CollectHttpResponseDetails = true;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        try { await ws.ConnectAsync(new Uri(url + "?token=" + Uri.EscapeDataString(token ?? "")), timeout.Token); }
        catch (WebSocketException) when (expect != HttpStatusCode.SwitchingProtocols) { }
        Assert.Equal(expect, ws.HttpStatusCode);
        return ws;
    }

    /// <summary>
    /// Text messages received until <paramref name="until"/> holds or the token is cancelled (which aborts the socket).
    /// Reading is also what answers the server's pings, so a test reads all the time its socket must stay up.
    /// </summary>
    private static async Task<List<JsonNode>> Collect(ClientWebSocket ws, CancellationToken stop, Func<JsonNode, bool>? until = null)
    {
        var got = new List<JsonNode>();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stop);
        timeout.CancelAfter(TimeSpan.FromSeconds(60));
        var buffer = new byte[65536];
        try
        {
            while (true)
            {
                var r = await ws.ReceiveAsync(buffer, timeout.Token);
                if (r.MessageType == WebSocketMessageType.Close) break;
                var m = JsonNode.Parse(Encoding.UTF8.GetString(buffer, 0, r.Count))!;
                got.Add(m);
                if (until?.Invoke(m) == true) break;
            }
        }
        catch (OperationCanceledException) { }
        catch (WebSocketException) { }
        return got;
    }

    private static string Time(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);

    [Fact]
    public async Task A_matching_update_arrives_at_most_once_per_min_interval_and_a_filtered_one_never()
    {
        var containers = await Register(new { topic = "resource_metrics", filters = new { resource_types = new[] { "container" }, metrics = new[] { "cpu", "memory" }, min_interval = "1h" } });
        var pods = await Register(new { topic = "resource_metrics", filters = new { resource_types = new[] { "pod" } } });
        using var a = await Connect((string)containers["websocket_url"]!, (string?)containers["token"]);
        using var firstTimeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var firstRead = Collect(a, firstTimeout.Token, m => (string?)m["resource_id"] == f.ResourceId);
        using var b = await Connect((string)pods["websocket_url"]!, (string?)pods["token"]);
        using var stopB = new CancellationTokenSource();
        var filtered = Collect(b, stopB.Token);
        var first = await f.TickAsync();
        var received = await firstRead;
        Assert.True(received.Any(m => (string?)m["resource_id"] == f.ResourceId), $"{received.Count} updates, none of {f.ResourceId}; socket {a.State}");
        var update = Assert.Single(received, m => (string?)m["resource_id"] == f.ResourceId);
        Assert.Equal("metric_update", (string?)update["event_type"]);
        Assert.Equal(Time(first), (string?)update["timestamp"]);
        Assert.Equal(["cpu_usage", "memory_usage"], update["data"]!.AsObject().Select(kv => kv.Key).Order());
        Assert.True((double)update["data"]!["memory_usage"]! > 0);

        using var stopA = new CancellationTokenSource();
        var later = Collect(a, stopA.Token);
        await f.TickAsync(); // within the hour: nothing more for the container stream
        await Task.Delay(TimeSpan.FromSeconds(2));
        await stopA.CancelAsync();
        await stopB.CancelAsync();
        Assert.DoesNotContain(await later, m => (string?)m["resource_id"] == f.ResourceId);
        Assert.DoesNotContain(await filtered, m => (string?)m["resource_id"] == f.ResourceId); // a container is not a pod
        Assert.Equal(WebSocketState.Aborted, b.State); // it stayed open until the test stopped reading
    }

    [Fact]
    public async Task A_wrong_or_reused_token_is_refused_and_a_new_one_reconnects()
    {
        var s = await Register(new { topic = "resource_metrics" });
        var url = (string)s["websocket_url"]!;
        var token = (string)s["token"]!;
        (await Connect(url, token + "x", HttpStatusCode.Unauthorized)).Dispose();
        (await Connect(url, null, HttpStatusCode.Unauthorized)).Dispose();
        (await Connect(url.Replace("stream_", "stream_0"), token, HttpStatusCode.NotFound)).Dispose();

        using (var ws = await Connect(url, token))
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await ws.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", timeout.Token);
        }
        (await Connect(url, token, HttpStatusCode.Unauthorized)).Dispose(); // single use

        var r = await f.Viewer.PostAsync($"/api/pioneer/events/stream/{s["stream_id"]}/token", null);
        var text = await r.Content.ReadAsStringAsync();
        Assert.True(r.StatusCode == HttpStatusCode.OK, text);
        var again = JsonNode.Parse(text)!;
        Assert.Equal((string?)s["stream_id"], (string?)again["stream_id"]);
        Assert.NotEqual(token, (string?)again["token"]);
        using var reconnected = await Connect(url, (string?)again["token"]);
        Assert.Equal(WebSocketState.Open, reconnected.State);
    }

    [Fact]
    public async Task A_client_that_stops_answering_pings_is_dropped()
    {
        var s1 = await Register(new { topic = "resource_metrics" });
        var s2 = await Register(new { topic = "resource_metrics" });
        using var silent = await Connect((string)s1["websocket_url"]!, (string?)s1["token"]);     // never reads, so never answers a ping
        using var answering = await Connect((string)s2["websocket_url"]!, (string?)s2["token"]);  // a pending read answers pings
        using var answeringTimeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var pending = answering.ReceiveAsync(new byte[1024], answeringTimeout.Token);

        await Task.Delay((PioneerLiveFixture.PingInterval + PioneerLiveFixture.PongTimeout) * 2);

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var dropped = false;
        try
        {
            var buffer = new byte[1024];
            while (!dropped) dropped = (await silent.ReceiveAsync(buffer, timeout.Token)).MessageType == WebSocketMessageType.Close;
        }
        catch (WebSocketException) { dropped = true; } // the server aborted the connection
        Assert.True(dropped);
        Assert.NotEqual(WebSocketState.Open, silent.State);

        Assert.False(pending.IsCompleted, "the client that answers pings is still connected");
        Assert.Equal(WebSocketState.Open, answering.State);
        await answering.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "done", timeout.Token);
    }

    [Theory]
    [InlineData("""{"topic":"cpu_alerts"}""", "topic")]
    [InlineData("""{"filters":{"metrics":["gpu"]}}""", "filters.metrics")]
    [InlineData("""{"filters":{"min_interval":"soon"}}""", "filters.min_interval")]
    [InlineData("""{"filters":{"resource_types":["Pods!"]}}""", "filters.resource_types")]
    public async Task Bad_stream_requests_are_a_400_naming_the_field(string body, string field)
    {
        var r = await f.Viewer.PostAsync("/api/pioneer/events/stream", new StringContent(body, Encoding.UTF8, "application/json"));
        var text = await r.Content.ReadAsStringAsync();
        Assert.True(r.StatusCode == HttpStatusCode.BadRequest, text);
        Assert.Equal(field, (string?)JsonNode.Parse(text)!["error"]!["details"]!["field"]);
    }
}
