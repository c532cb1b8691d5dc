using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;

namespace Fleet.Tests.KubeEdge;

/// <summary>Webhooks: management routes, and signed deliveries of bus events to a real HTTP receiver.</summary>
[Trait("Category", "Kubernetes")]
public sealed class KubeEdgeWebhookTests(KubeEdgeFixture f) : IClassFixture<KubeEdgeFixture>
{
    [Fact]
    public async Task Device_joined_is_delivered_signed_the_list_hides_secrets_and_delete_stops_deliveries()
    {
        await using var receiver = await Receiver.StartAsync();
        const string secretA = "s3cret-a-9f8e7d", secretB = "s3cret-b-1a2b3c";
        var a = await RegisterAsync($"{receiver.Url}/a", secretA);
        var b = await RegisterAsync($"{receiver.Url}/b", secretB);
        Assert.StartsWith("wh_", (string)a["id"]!);
        Assert.Equal(new[] { "device_joined", "device_removed" }, a["events"]!.AsArray().Select(e => (string)e!));
        Assert.NotNull(a["created_at"]);

        var listText = await f.Client.GetStringAsync("/api/kubeedge/webhooks");
        Assert.DoesNotContain(secretA, listText);
        Assert.DoesNotContain(secretB, listText);
        Assert.DoesNotContain("secret", listText, StringComparison.OrdinalIgnoreCase);
        var listed = JsonNode.Parse(listText)!["webhooks"]!.AsArray();
        Assert.Contains(listed, w => (string?)w!["id"] == (string?)a["id"] && (string?)w["url"] == $"{receiver.Url}/a");

        var first = KubeEdgeFixture.Unique("wh");
        Assert.Equal(201, (await f.SendAsync(HttpMethod.Post, "/api/kubeedge/device/join", $$"""{"node_name":"{{f.EdgeNode}}","device_id":"{{first}}"}""")).Status);
        var got = await KubeEdgeFixture.EventuallyAsync(() => Task.FromResult(receiver.For("/a", first)), r => r.Count > 0);
        var delivery = Assert.Single(got);
        Assert.Equal("sha256=" + Convert.ToHexString(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secretA), delivery.Body)).ToLowerInvariant(),
            delivery.Signature);
        var payload = JsonNode.Parse(delivery.Body)!;
        Assert.Equal("device_joined", (string?)payload["event"]);
        Assert.Equal(f.EdgeNode, (string?)payload["data"]!["node_name"]);
        Assert.NotEmpty(await KubeEdgeFixture.EventuallyAsync(() => Task.FromResult(receiver.For("/b", first)), r => r.Count > 0));

        Assert.Equal(200, (await f.SendAsync(HttpMethod.Delete, $"/api/kubeedge/webhooks/{a["id"]}")).Status);
        Assert.Equal(404, (await f.SendAsync(HttpMethod.Delete, $"/api/kubeedge/webhooks/{a["id"]}")).Status);
        var second = KubeEdgeFixture.Unique("wh");
        Assert.Equal(201, (await f.SendAsync(HttpMethod.Post, "/api/kubeedge/device/join", $$"""{"node_name":"{{f.EdgeNode}}","device_id":"{{second}}"}""")).Status);
        // B still subscribed: once it has the second event, A would have had it too had it not been deleted.
        var toB = await KubeEdgeFixture.EventuallyAsync(() => Task.FromResult(receiver.For("/b", second)), r => r.Count > 0);
        Assert.Equal("sha256=" + Convert.ToHexString(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secretB), toB[0].Body)).ToLowerInvariant(), toB[0].Signature);
        await Task.Delay(1000);
        Assert.Empty(receiver.For("/a", second));
        Assert.DoesNotContain(JsonNode.Parse(await f.Client.GetStringAsync("/api/kubeedge/webhooks"))!["webhooks"]!.AsArray(),
            w => (string?)w!["id"] == (string?)a["id"]);
    }

    [Fact]
    public async Task A_failed_delivery_is_retried_with_the_same_signed_body()
    {
        await using var receiver = await Receiver.StartAsync();
        await RegisterAsync($"{receiver.Url}/flaky", "flaky-secret");
        var id = KubeEdgeFixture.Unique("wr");
        Assert.Equal(201, (await f.SendAsync(HttpMethod.Post, "/api/kubeedge/device/join", $$"""{"node_name":"{{f.EdgeNode}}","device_id":"{{id}}"}""")).Status);
        var got = await KubeEdgeFixture.EventuallyAsync(() => Task.FromResult(receiver.For("/flaky", id)), r => r.Count >= 2, TimeSpan.FromSeconds(30));
        Assert.Equal(2, got.Count);
        Assert.Equal(got[0].Body, got[1].Body);
        Assert.Equal(got[0].Signature, got[1].Signature);
        Assert.Equal("sha256=" + Convert.ToHexString(HMACSHA256.HashData(Encoding.UTF8.GetBytes("flaky-secret"), got[1].Body)).ToLowerInvariant(), got[1].Signature);
    }

    [Theory]
    [InlineData("""{"url":"not a url","events":["device_joined"],"secret":"x"}""", "url")]
    [InlineData("""{"url":"ftp://example.com/h","events":["device_joined"],"secret":"x"}""", "url")]
    [InlineData("""{"url":"/relative/path","events":["device_joined"],"secret":"x"}""", "url")]
    [InlineData("""{"url":"http://example.com/h","events":["device_exploded"],"secret":"x"}""", "events")]
    [InlineData("""{"url":"http://example.com/h","events":[],"secret":"x"}""", "events")]
    [InlineData("""{"url":"http://example.com/h","events":["device_joined"]}""", "secret")]
    public async Task Bad_webhook_is_400_API_001_and_nothing_is_stored(string json, string field)
    {
        var before = JsonNode.Parse(await f.Client.GetStringAsync("/api/kubeedge/webhooks"))!["webhooks"]!.AsArray().Count;
        var (status, body) = await f.SendAsync(HttpMethod.Post, "/api/kubeedge/webhooks", json);
        Assert.Equal(400, status);
        Assert.Equal("API-001", (string?)body!["error"]!["code"]);
        Assert.Contains(field, body.ToJsonString());
        Assert.Equal(before, JsonNode.Parse(await f.Client.GetStringAsync("/api/kubeedge/webhooks"))!["webhooks"]!.AsArray().Count);
    }

    private async Task<JsonNode> RegisterAsync(string url, string secret)
    {
        var (status, body) = await f.SendAsync(HttpMethod.Post, "/api/kubeedge/webhooks",
            new JsonObject { ["url"] = url, ["events"] = new JsonArray("device_joined", "device_removed"), ["secret"] = secret }.ToJsonString());
        Assert.True(status == 201, body?.ToJsonString());
        Assert.Null(body!["secret"]);
        return body;
    }

    public sealed record Received(string Path, string? Signature, byte[] Body);

    /// <summary>A webhook receiver: a Kestrel app on a free loopback port that records every request.</summary>
    private sealed class Receiver : IAsyncDisposable
    {
        private readonly WebApplication _app;
        private readonly ConcurrentQueue<Received> _requests = new();
        private int _flakyFailed;

        private Receiver(WebApplication app, string url) { _app = app; Url = url; }

        public string Url { get; }

        public static async Task<Receiver> StartAsync()
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            var app = builder.Build();
            Receiver? self = null;
            app.Run(async ctx =>
            {
                using var ms = new MemoryStream();
                await ctx.Request.Body.CopyToAsync(ms);
                self!._requests.Enqueue(new Received(ctx.Request.Path, ctx.Request.Headers["X-Fleet-Signature"].FirstOrDefault(), ms.ToArray()));
                // /flaky fails its first request, to exercise the delivery's retry policy.
                var first = ctx.Request.Path == "/flaky" && Interlocked.Exchange(ref self._flakyFailed, 1) == 0;
                ctx.Response.StatusCode = first ? StatusCodes.Status500InternalServerError : StatusCodes.Status204NoContent;
            });
            await app.StartAsync();
            var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
            self = new Receiver(app, address.TrimEnd('/'));
            return self;
        }

        /// <summary>Requests to <paramref name="path"/> whose event names <paramref name="deviceId"/>.</summary>
        public List<Received> For(string path, string deviceId) => _requests
            .Where(r => r.Path == path && (string?)JsonNode.Parse(r.Body)?["data"]?["device_id"] == deviceId).ToList();

        public async ValueTask DisposeAsync()
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }
}
