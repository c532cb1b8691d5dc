using System.Text;
using System.Text.Json.Nodes;
using MQTTnet;

namespace Fleet.Tests.KubeEdge;

/// <summary>Commands over the real mosquitto to simulated devices (MQTTnet clients); replies complete the durable wait.</summary>
[Trait("Category", "Kubernetes")]
public sealed class KubeEdgeCommandTests(KubeEdgeFixture f) : IClassFixture<KubeEdgeFixture>
{
    private async Task<string> JoinAsync()
    {
        var id = KubeEdgeFixture.Unique("cam");
        Assert.Equal(201, (await f.SendAsync(HttpMethod.Post, "/api/kubeedge/device/join", $$"""{"node_name":"{{f.EdgeNode}}","device_id":"{{id}}"}""")).Status);
        return id;
    }

    [Fact]
    public async Task Command_reaches_the_device_and_its_reply_completes_the_status()
    {
        var id = await JoinAsync();
        using var device = await f.DeviceClientAsync();
        JsonNode? received = null;
        device.ApplicationMessageReceivedAsync += async e =>
        {
            received = JsonNode.Parse(Encoding.UTF8.GetString(e.ApplicationMessage.Payload));
            await KubeEdgeFixture.PublishAsync(device, $"{f.TopicPrefix}/device/{id}/command/result",
                new JsonObject { ["command_id"] = (string?)received!["command_id"], ["result"] = new JsonObject { ["image_url"] = "http://s3/img.jpg", ["size"] = "1.2MB" } }.ToJsonString());
        };
        await device.SubscribeAsync($"{f.TopicPrefix}/device/{id}/command");

        var (status, body) = await f.SendAsync(HttpMethod.Post, $"/api/kubeedge/device/{id}/command",
            """{"command":"capture_image","parameters":{"resolution":"1920x1080"}}""");
        Assert.True(status is 200 or 202, body?.ToJsonString());
        var commandId = (string)body!["command_id"]!;
        Assert.StartsWith("cmd_", commandId);

        var st = await KubeEdgeFixture.EventuallyAsync(async () => JsonNode.Parse(await f.Client.GetStringAsync($"/api/kubeedge/command/{commandId}/status"))!,
            s => (string?)s["status"] != "pending");
        Assert.Equal("completed", (string?)st["status"]);
        Assert.Equal("http://s3/img.jpg", (string?)st["result"]!["image_url"]);
        Assert.Equal("capture_image", (string?)received!["command"]);
        Assert.Equal("1920x1080", (string?)received["parameters"]!["resolution"]);
        Assert.Matches(@"^\d+ms$", (string)st["latency"]!);

        // The reply marked the device online; metrics count it and the round trip.
        var metrics = JsonNode.Parse(await f.Client.GetStringAsync("/api/kubeedge/metrics"))!;
        Assert.True((int)metrics["online_devices"]! >= 1);
        Assert.True((int)metrics["total_devices"]! >= 1);
        Assert.Matches(@"^\d+ms$", (string)metrics["average_latency"]!);
        Assert.Equal("online", (string?)JsonNode.Parse(await f.Client.GetStringAsync($"/api/kubeedge/device/{id}"))!["status"]);
    }

    [Fact]
    public async Task A_device_that_never_answers_ends_as_timeout()
    {
        var id = await JoinAsync();
        var (status, body) = await f.SendAsync(HttpMethod.Post, $"/api/kubeedge/device/{id}/command", """{"command":"reboot","timeout_seconds":2}""");
        Assert.True(status is 200 or 202, body?.ToJsonString());
        var commandId = (string)body!["command_id"]!;
        var st = await KubeEdgeFixture.EventuallyAsync(async () => JsonNode.Parse(await f.Client.GetStringAsync($"/api/kubeedge/command/{commandId}/status"))!,
            s => (string?)s["status"] != "pending", TimeSpan.FromSeconds(30));
        Assert.Equal("timeout", (string?)st["status"]);
        Assert.Null(st["result"]);
    }

    [Fact]
    public async Task Command_input_errors_are_API_codes_and_store_nothing()
    {
        var id = await JoinAsync();
        var bad = await f.SendAsync(HttpMethod.Post, $"/api/kubeedge/device/{id}/command", """{"command":""}""");
        Assert.Equal(400, bad.Status);
        Assert.Equal("API-001", (string?)bad.Body!["error"]!["code"]);
        var missing = await f.SendAsync(HttpMethod.Post, "/api/kubeedge/device/no-such-device/command", """{"command":"reboot"}""");
        Assert.Equal(404, missing.Status);
        Assert.Equal("API-004", (string?)missing.Body!["error"]!["code"]);
        Assert.Equal(404, (await f.SendAsync(HttpMethod.Get, "/api/kubeedge/command/cmd_0000000000000000/status")).Status);
    }
}
