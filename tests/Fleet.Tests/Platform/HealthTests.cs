using System.Net;
using System.Text.Json.Nodes;
using Fleet.Tests.Support;

namespace Fleet.Tests.Platform;

public sealed class HealthTests
{
    [Fact]
    public async Task Health_reports_each_real_peer_connected()
    {
        await using var app = await FleetApp.StartAsync();
        var r = await app.Client.GetAsync("/api/health");
        Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        var body = JsonNode.Parse(await r.Content.ReadAsStringAsync())!;
        Assert.Equal("healthy", (string?)body["status"]);
        Assert.Equal("1.0.0", (string?)body["version"]);
        Assert.True(DateTime.TryParse((string?)body["timestamp"], out _));
        Assert.Equal("connected", (string?)body["components"]!["storage"]);
        Assert.Equal("connected", (string?)body["components"]!["mqtt"]);
        Assert.Equal("connected", (string?)body["components"]!["docker"]);
    }

    [Fact]
    public async Task Health_is_503_naming_storage_when_the_storage_account_is_down()
    {
        var dead = $"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;" +
                   $"BlobEndpoint=http://127.0.0.1:{Peers.FreePort()}/devstoreaccount1;QueueEndpoint=http://127.0.0.1:{Peers.FreePort()}/devstoreaccount1;TableEndpoint=http://127.0.0.1:{Peers.FreePort()}/devstoreaccount1;";
        await using var app = await FleetApp.StartAsync(new Dictionary<string, string?> { ["AzureWebJobsStorage"] = dead },
            configure: b => b.Services.RemoveAll<Microsoft.Extensions.Hosting.IHostedService>(typeof(Fleet.Core.Platform.Storage.TableInitializer)));
        var r = await app.Client.GetAsync("/api/health");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, r.StatusCode);
        var body = JsonNode.Parse(await r.Content.ReadAsStringAsync())!;
        Assert.Equal("unhealthy", (string?)body["status"]);
        Assert.Equal("disconnected", (string?)body["components"]!["storage"]);
        Assert.Contains("storage", body["failed_components"]!.AsArray().Select(n => (string?)n));
        Assert.Equal("connected", (string?)body["components"]!["mqtt"]);
    }

    [Fact]
    public async Task Family_health_routes_answer_in_their_seeds_shapes()
    {
        await using var app = await FleetApp.StartAsync();

        var homei = await Json(app, "/api/homei/health");
        Assert.Equal("healthy", (string?)homei["status"]);
        Assert.NotNull(homei["version"]);
        Assert.NotNull(homei["timestamp"]);
        Assert.Equal("ready", (string?)(await Json(app, "/api/homei/health/ready"))["status"]);
        Assert.Equal("alive", (string?)(await Json(app, "/api/homei/health/live"))["status"]);

        var kubilitics = await Json(app, "/api/kubilitics/health");
        Assert.Equal("healthy", (string?)kubilitics["status"]);
        Assert.Equal("kubilitics-backend", (string?)kubilitics["service"]);
        Assert.Contains("Pod", kubilitics["topology_kinds"]!.AsArray().Select(n => (string?)n));
        Assert.Contains("Deployment", (await Json(app, "/api/kubilitics/capabilities"))["topology_kinds"]!.AsArray().Select(n => (string?)n));

        Assert.Equal("healthy", (string?)(await Json(app, "/api/pioneer/health"))["status"]);

        var kubeedge = await Json(app, "/api/kubeedge/health");
        Assert.Equal("healthy", (string?)kubeedge["status"]);
        Assert.Equal("connected", (string?)kubeedge["components"]!["database"]);
    }

    private static async Task<JsonNode> Json(FleetApp app, string path)
    {
        var r = await app.Client.GetAsync(path);
        Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        return JsonNode.Parse(await r.Content.ReadAsStringAsync())!;
    }
}
