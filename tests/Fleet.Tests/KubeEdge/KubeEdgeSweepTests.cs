using System.Text;
using System.Text.Json.Nodes;
using Fleet.Core.KubeEdge;

namespace Fleet.Tests.KubeEdge;

/// <summary>The KubeEdge sweeps on the timer runtime: node readiness and silence turn devices offline.</summary>
[Trait("Category", "Kubernetes")]
public sealed class KubeEdgeSweepTests(KubeEdgeFixture f) : IClassFixture<KubeEdgeFixture>
{
    private async Task<string> StatusAsync(string id) => (string)JsonNode.Parse(await f.Client.GetStringAsync($"/api/kubeedge/device/{id}"))!["status"]!;

    [Fact]
    public async Task Devices_on_a_missing_node_and_silent_devices_go_offline()
    {
        var sweeps = f.App.Services.GetRequiredService<KubeEdgeSweeps>();
        // They run on the timer runtime: one run per tick across hosts.
        var timers = f.App.Services.GetServices<Fleet.Core.Platform.Timers.ITimerFunction>().Select(t => (t.Name, t.Schedule)).ToList();
        Assert.Contains(("KubeEdgeTokenExpiry", "0 */5 * * * *"), timers);
        Assert.Contains(("KubeEdgeNodeReadiness", "0 * * * * *"), timers);
        Assert.Contains(("KubeEdgeSilentDevices", "30 * * * * *"), timers);
        var onGhost = KubeEdgeFixture.Unique("gh");
        var silent = KubeEdgeFixture.Unique("si");
        Assert.Equal(201, (await f.SendAsync(HttpMethod.Post, "/api/kubeedge/device/join", $$"""{"node_name":"ghost-node","device_id":"{{onGhost}}"}""")).Status);
        Assert.Equal(201, (await f.SendAsync(HttpMethod.Post, "/api/kubeedge/device/join", $$"""{"node_name":"{{f.EdgeNode}}","device_id":"{{silent}}"}""")).Status);

        // The silent device reports once over MQTT, then stops.
        using var device = await f.DeviceClientAsync();
        await KubeEdgeFixture.PublishAsync(device, $"{f.TopicPrefix}/device/{silent}/status", """{"status":"online"}""");
        Assert.Equal("online", await KubeEdgeFixture.EventuallyAsync(() => StatusAsync(silent), s => s == "online"));

        Assert.True(await sweeps.ApplyNodeReadinessAsync(CancellationToken.None) >= 1);
        Assert.Equal("offline", await StatusAsync(onGhost));
        Assert.Equal("online", await StatusAsync(silent));

        await Task.Delay(1200);
        Assert.True(await sweeps.MarkSilentDevicesOfflineAsync(TimeSpan.FromSeconds(1), CancellationToken.None) >= 1);
        Assert.Equal("offline", await StatusAsync(silent));
    }
}
