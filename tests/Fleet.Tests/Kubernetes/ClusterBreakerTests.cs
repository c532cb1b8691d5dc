using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Fleet.Core.Kubernetes;
using Fleet.Functions.Platform.Auth;
using Fleet.Tests.Support;
using Polly.CircuitBreaker;

namespace Fleet.Tests.Kubernetes;

/// <summary>A cluster that goes away trips its breaker (503 with the seed's message), and the breaker closes when it is back; the health sweep follows.</summary>
[Trait("Category", "Kubernetes")]
public sealed class ClusterBreakerTests
{
    [Fact]
    public async Task Breaker_opens_on_repeated_failures_and_closes_when_the_cluster_is_back_and_the_sweep_tracks_status()
    {
        // Fleet reaches the cluster through a relay, so the outage below works the same against a real cluster.
        await using var cluster = await TestCluster.CreateAsync();
        await using var relay = new TcpRelay(new Uri(cluster.ServerUrl)).Start();
        await using var app = await FleetApp.StartAsync(new Dictionary<string, string?>
        {
            ["Kubernetes:BreakerMinimumThroughput"] = "3",
            ["Kubernetes:BreakerBreakDuration"] = "00:00:02",
            ["RateLimits__Scale"] = "100",
        });
        var admin = await app.LoginAsync(FleetRole.Admin);
        var add = await admin.PostAsJsonAsync("/api/kubilitics/v1/clusters",
            new { kubeconfig_base64 = Convert.ToBase64String(Encoding.UTF8.GetBytes(cluster.KubeconfigYaml("brk", relay.Url))), name = $"brk-{Guid.NewGuid():N}"[..16] });
        Assert.Equal(HttpStatusCode.Created, add.StatusCode);
        var id = (string)JsonNode.Parse(await add.Content.ReadAsStringAsync())!["id"]!;
        var registry = app.Services.GetRequiredService<ClusterRegistry>();
        var connections = app.Services.GetRequiredService<ClusterConnections>();
        Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync($"/api/kubilitics/v1/clusters/{id}/summary")).StatusCode);

        relay.Stop();
        var codes = new List<HttpStatusCode>();
        HttpResponseMessage? open = null;
        for (var i = 0; i < 10; i++)
        {
            var r = await admin.GetAsync($"/api/kubilitics/v1/clusters/{id}/summary");
            codes.Add(r.StatusCode);
            if (r.StatusCode == HttpStatusCode.ServiceUnavailable) { open = r; break; }
        }
        Assert.True(open is not null, "breaker never opened: " + string.Join(",", codes));
        Assert.Contains(HttpStatusCode.BadGateway, codes);
        Assert.Equal(ClusterConnections.BreakerOpenMessage, (string?)JsonNode.Parse(await open!.Content.ReadAsStringAsync())!["error"]);
        Assert.True(open.Headers.RetryAfter is not null);
        Assert.Equal(CircuitState.Open, connections.BreakerState(id));
        // Every Kubilitics cluster route goes through the same breaker.
        foreach (var path in new[] { "resources/pods", "topology", "search?q=x" })
        {
            var r = await admin.GetAsync($"/api/kubilitics/v1/clusters/{id}/{path}");
            Assert.Equal(HttpStatusCode.ServiceUnavailable, r.StatusCode);
            Assert.Equal(ClusterConnections.BreakerOpenMessage, (string?)JsonNode.Parse(await r.Content.ReadAsStringAsync())!["error"]);
        }

        var swept = await registry.RefreshAsync(id, CancellationToken.None);
        Assert.Equal(ClusterStatus.Disconnected, swept.Status);

        // Same port: the cluster is back; after the break the breaker lets a call through and closes.
        relay.Start();
        await Task.Delay(2500);
        var ok = await admin.GetAsync($"/api/kubilitics/v1/clusters/{id}/summary");
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        Assert.Equal(CircuitState.Closed, connections.BreakerState(id));

        var before = swept.LastConnected;
        Assert.Equal(1, await registry.RefreshAllAsync(CancellationToken.None) >= 1 ? 1 : 0);
        var back = await registry.GetAsync(id, CancellationToken.None);
        Assert.Equal(ClusterStatus.Connected, back.Status);
        Assert.True(back.LastConnected > before);
    }
}
