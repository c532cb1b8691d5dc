using System.Net.Sockets;
using System.Text.Json.Nodes;
using Azure.Data.Tables;
using Fleet.Core.KubeEdge;

namespace Fleet.Tests.KubeEdge;

/// <summary>Backup/restore orchestrations against Blob storage and the cluster; edge reachability.</summary>
[Trait("Category", "Kubernetes")]
public sealed class KubeEdgeBackupTests(KubeEdgeFixture f) : IClassFixture<KubeEdgeFixture>
{
    [Fact]
    public async Task Backup_then_delete_everything_then_restore_brings_devices_and_tokens_back()
    {
        var ids = Enumerable.Range(0, 3).Select(_ => KubeEdgeFixture.Unique("bk")).ToList();
        foreach (var id in ids)
            Assert.Equal(201, (await f.SendAsync(HttpMethod.Post, "/api/kubeedge/device/join", $$"""{"node_name":"{{f.EdgeNode}}","device_id":"{{id}}"}""")).Status);
        var node = KubeEdgeFixture.Unique("tok");
        Assert.Equal(201, (await f.SendAsync(HttpMethod.Post, "/api/kubeedge/token/generate", $$"""{"node_name":"{{node}}"}""")).Status);

        var name = KubeEdgeFixture.Unique("daily");
        var (status, backup) = await f.SendAsync(HttpMethod.Post, "/api/kubeedge/backup", $$"""{"name":"{{name}}","include":["config","tokens","devices"]}""");
        Assert.Equal(200, status);
        Assert.Equal("completed", (string?)backup!["status"]);
        Assert.Equal(name, (string?)backup["backup_id"]);
        Assert.True((int)backup["counts"]!["devices"]! >= 3);
        Assert.Equal(409, (await f.SendAsync(HttpMethod.Post, "/api/kubeedge/backup", $$"""{"name":"{{name}}"}""")).Status);

        foreach (var id in ids) Assert.Equal(200, (await f.SendAsync(HttpMethod.Delete, $"/api/kubeedge/device/{id}")).Status);
        Assert.Equal(200, (await f.SendAsync(HttpMethod.Delete, $"/api/kubeedge/token/{node}")).Status);
        foreach (var id in ids) Assert.Null(await f.DeviceCrAsync(id));

        var (rs, restored) = await f.SendAsync(HttpMethod.Post, "/api/kubeedge/restore", $$"""{"backup_id":"{{name}}"}""");
        Assert.Equal(200, rs);
        Assert.Equal("restored", (string?)restored!["status"]);
        foreach (var id in ids)
        {
            Assert.Equal(f.EdgeNode, (string?)(await f.DeviceCrAsync(id))!["spec"]!["nodeName"]);
            var d = JsonNode.Parse(await f.Client.GetStringAsync($"/api/kubeedge/device/{id}"))!;
            Assert.Equal(f.EdgeNode, (string?)d["node_name"]);
        }
        var tokens = JsonNode.Parse(await f.Client.GetStringAsync("/api/kubeedge/tokens?limit=1000"))!;
        Assert.Contains(tokens["tokens"]!.AsArray(), t => (string?)t!["node_name"] == node);

        // Restoring again changes nothing and does not fail.
        Assert.Equal(200, (await f.SendAsync(HttpMethod.Post, "/api/kubeedge/restore", $$"""{"backup_id":"{{name}}"}""")).Status);
        var missing = await f.SendAsync(HttpMethod.Post, "/api/kubeedge/restore", """{"backup_id":"no-such-backup"}""");
        Assert.Equal(404, missing.Status);
        Assert.Equal("API-004", (string?)missing.Body!["error"]!["code"]);
        var bad = await f.SendAsync(HttpMethod.Post, "/api/kubeedge/backup", """{"name":"x","include":["secrets"]}""");
        Assert.Equal(400, bad.Status);
        Assert.Equal("API-001", (string?)bad.Body!["error"]!["code"]);
    }

    [Fact]
    public async Task Test_connection_to_a_closed_port_is_502_API_008_and_to_an_open_one_200()
    {
        var closed = Fleet.Tests.Support.Peers.FreePort();
        var (status, body) = await f.SendAsync(HttpMethod.Post, "/api/kubeedge/test/connection", $$"""{"host":"127.0.0.1","port":{{closed}},"timeout_ms":2000}""");
        Assert.Equal(502, status);
        Assert.Equal("API-008", (string?)body!["error"]!["code"]);

        var listener = new TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        try
        {
            var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
            var (ok, okBody) = await f.SendAsync(HttpMethod.Post, "/api/kubeedge/test/connection", $$"""{"address":"127.0.0.1:{{port}}"}""");
            Assert.Equal(200, ok);
            Assert.True((bool)okBody!["reachable"]!);
            Assert.Matches(@"^\d+ms$", (string)okBody["latency"]!);
        }
        finally { listener.Stop(); }

        // The edge node is Ready; an unknown node is 404.
        var (nodeStatus, nodeBody) = await f.SendAsync(HttpMethod.Post, "/api/kubeedge/test/connection", $$"""{"node_name":"{{f.EdgeNode}}"}""");
        Assert.Equal(200, nodeStatus);
        Assert.True((bool)nodeBody!["node_ready"]!);
        Assert.Equal(404, (await f.SendAsync(HttpMethod.Post, "/api/kubeedge/test/connection", """{"node_name":"nowhere"}""")).Status);
        Assert.Equal(400, (await f.SendAsync(HttpMethod.Post, "/api/kubeedge/test/connection", """{}""")).Status);
    }
}
