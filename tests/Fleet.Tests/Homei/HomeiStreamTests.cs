using System.Net;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using static Fleet.Tests.Homei.HomeiFixture;

namespace Fleet.Tests.Homei;

[Collection("homei")]
public sealed class HomeiStreamTests(HomeiFixture f)
{
    [Fact]
    public async Task Event_stream_delivers_container_start_and_log_stream_delivers_a_log_line()
    {
        var name = UniqueName("live");
        using var events = f.NewWebSocket();
        await events.ConnectAsync(Ws("/api/homei/ws/events"), CancellationToken.None);
        try
        {
            Assert.Equal(HttpStatusCode.Created, (await f.CreateService(TickerService(name))).StatusCode);
            var id = (await f.ContainerOf(name))!.ID[..12];

            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            JsonElement start;
            while (true)
            {
                var e = JsonDocument.Parse(await Receive(events, timeout.Token)).RootElement;
                if (e.GetProperty("type").GetString() == "container.start" && e.GetProperty("data").GetProperty("name").GetString() == name)
                {
                    start = e;
                    break;
                }
            }
            Assert.Equal(id, start.GetProperty("data").GetProperty("container_id").GetString());
            Assert.True(DateTimeOffset.TryParse(start.GetProperty("timestamp").GetString(), out _));

            using var logs = f.NewWebSocket();
            await logs.ConnectAsync(Ws($"/api/homei/ws/containers/{id}/logs"), CancellationToken.None);
            Assert.Equal("tick", await Receive(logs, timeout.Token));
            await logs.CloseAsync(WebSocketCloseStatus.NormalClosure, "bye", CancellationToken.None);

            // An unknown container is refused before the upgrade, in Homei's envelope.
            var r = await f.Client.GetAsync("/api/homei/ws/containers/0123456789ab/logs");
            Assert.Equal(HttpStatusCode.NotFound, r.StatusCode);
        }
        finally
        {
            await f.Cleanup(name);
        }
    }

    private Uri Ws(string path) => new(new Uri(f.App.BaseAddress.ToString().Replace("http://", "ws://")), path);

    private static async Task<string> Receive(ClientWebSocket ws, CancellationToken ct)
    {
        var buffer = new byte[65536];
        var sb = new StringBuilder();
        while (true)
        {
            var r = await ws.ReceiveAsync(buffer, ct);
            if (r.MessageType == WebSocketMessageType.Close) throw new InvalidOperationException("closed by server");
            sb.Append(Encoding.UTF8.GetString(buffer, 0, r.Count));
            if (r.EndOfMessage) return sb.ToString();
        }
    }
}

[Collection("homei")]
public sealed class HomeiDocsTests(HomeiFixture f)
{
    [Fact]
    public async Task Docs_serve_swagger_ui_and_redoc_of_the_homei_document()
    {
        var docs = await f.Client.GetAsync("/api/homei/docs/index.html");
        Assert.Equal(HttpStatusCode.OK, docs.StatusCode);
        Assert.Contains("swagger-ui", await docs.Content.ReadAsStringAsync());
        var config = await f.Client.GetStringAsync("/api/homei/docs/index.js");
        Assert.Contains("/api/homei/openapi.json", config);
        var redoc = await f.Client.GetAsync("/api/homei/redoc/index.html");
        Assert.Equal(HttpStatusCode.OK, redoc.StatusCode);
        var page = await redoc.Content.ReadAsStringAsync();
        Assert.Contains("redoc", page, StringComparison.OrdinalIgnoreCase);
        var script = await f.Client.GetAsync("/api/homei/redoc/index.js");
        var spec = page + (script.IsSuccessStatusCode ? await script.Content.ReadAsStringAsync() : "");
        Assert.True(spec.Contains("/api/homei/openapi.json") || spec.Contains("\\/api\\/homei\\/openapi.json"), page);
        var document = await f.Client.GetStringAsync("/api/homei/openapi.json");
        Assert.Contains("/api/homei/v1/services", document);
        Assert.Contains("/api/homei/v1/update/install", document);
    }
}
