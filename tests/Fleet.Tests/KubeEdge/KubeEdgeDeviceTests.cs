using System.Text.Json.Nodes;
using Azure.Data.Tables;
using Fleet.Core.KubeEdge;

namespace Fleet.Tests.KubeEdge;

/// <summary>Devices: Device CRs in the cluster plus records in kubeedgeDevices; batch join through the orchestration.</summary>
[Trait("Category", "Kubernetes")]
public sealed class KubeEdgeDeviceTests(KubeEdgeFixture f) : IClassFixture<KubeEdgeFixture>
{
    private readonly TableClient _devices = new(Fleet.Tests.Support.Peers.Storage, DeviceService.Table);

    [Fact]
    public async Task Join_creates_the_Device_CR_and_record_and_delete_removes_both()
    {
        var id = KubeEdgeFixture.Unique("cam");
        var (status, body) = await f.SendAsync(HttpMethod.Post, "/api/kubeedge/device/join", $$"""{"node_name":"{{f.EdgeNode}}","device_id":"{{id}}"}""");
        Assert.Equal(201, status);
        Assert.Equal(id, (string?)body!["device_id"]);
        Assert.StartsWith($"keadm join --cloudcore-ipport=10.20.30.40:10000 --edgenode-name={f.EdgeNode} --token=", (string)body["join_command"]!);

        var cr = (await f.DeviceCrAsync(id))!;
        Assert.Equal(f.EdgeNode, (string?)cr["spec"]!["nodeName"]);
        Assert.NotNull(cr["spec"]!["deviceModelRef"]!["name"]);
        Assert.True((await _devices.GetEntityIfExistsAsync<TableEntity>(f.ClusterId, id)).HasValue);

        var one = JsonNode.Parse(await f.Client.GetStringAsync($"/api/kubeedge/device/{id}"))!;
        Assert.Equal(f.EdgeNode, (string?)one["node_name"]);
        Assert.Equal("unknown", (string?)one["status"]);
        var list = JsonNode.Parse(await f.Client.GetStringAsync($"/api/kubeedge/devices?node_name={f.EdgeNode}&limit=1000"))!;
        Assert.Contains(list["devices"]!.AsArray(), d => (string?)d!["device_id"] == id);

        var dup = await f.SendAsync(HttpMethod.Post, "/api/kubeedge/device/join", $$"""{"node_name":"{{f.EdgeNode}}","device_id":"{{id}}"}""");
        Assert.Equal(409, dup.Status);
        Assert.Equal("API-005", (string?)dup.Body!["error"]!["code"]);

        Assert.Equal(200, (await f.SendAsync(HttpMethod.Delete, $"/api/kubeedge/device/{id}")).Status);
        Assert.Null(await f.DeviceCrAsync(id));
        Assert.False((await _devices.GetEntityIfExistsAsync<TableEntity>(f.ClusterId, id)).HasValue);
        var gone = await f.SendAsync(HttpMethod.Get, $"/api/kubeedge/device/{id}");
        Assert.Equal(404, gone.Status);
        Assert.Equal("API-004", (string?)gone.Body!["error"]!["code"]);
        Assert.Equal(404, (await f.SendAsync(HttpMethod.Delete, $"/api/kubeedge/device/{id}")).Status);
    }

    [Theory]
    [InlineData("""{"node_name":"edge-1","device_id":"Bad_Name"}""", "device_id")]
    [InlineData("""{"node_name":"-edge","device_id":"ok-name"}""", "node_name")]
    [InlineData("""{"device_id":"ok-name"}""", "node_name")]
    [InlineData("""{"node_name":"edge-1","device_id":"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"}""", "device_id")]
    public async Task Bad_device_input_is_400_API_001_and_nothing_is_written(string json, string field)
    {
        var (status, body) = await f.SendAsync(HttpMethod.Post, "/api/kubeedge/device/join", json);
        Assert.Equal(400, status);
        Assert.Equal("API-001", (string?)body!["error"]!["code"]);
        Assert.Contains(field, body.ToJsonString());
        // Other tests add Device CRs to the same namespace meanwhile, so look for this request's name only.
        Assert.Null(await f.DeviceCrAsync("ok-name"));
        Assert.False((await _devices.GetEntityIfExistsAsync<TableEntity>(f.ClusterId, "ok-name")).HasValue);
    }

    [Fact]
    public async Task Bad_batch_is_rejected_whole_and_writes_nothing()
    {
        var good = KubeEdgeFixture.Unique("b");
        var (status, body) = await f.SendAsync(HttpMethod.Post, "/api/kubeedge/batch-join",
            $$"""{"devices":[{"node_name":"{{f.EdgeNode}}","device_id":"{{good}}"},{"node_name":"{{f.EdgeNode}}","device_id":"NOPE"}]}""");
        Assert.Equal(400, status);
        Assert.Equal("API-001", (string?)body!["error"]!["code"]);
        Assert.Contains("devices[1].device_id", body.ToJsonString());
        Assert.Null(await f.DeviceCrAsync(good));
        Assert.False((await _devices.GetEntityIfExistsAsync<TableEntity>(f.ClusterId, good)).HasValue);
        Assert.Equal(400, (await f.SendAsync(HttpMethod.Post, "/api/kubeedge/batch-join", """{"devices":[]}""")).Status);
    }

    [Fact]
    public async Task Batch_join_of_100_gives_100_results_and_CRs_and_a_retry_reports_already_present()
    {
        var prefix = KubeEdgeFixture.Unique("bj");
        var devices = Enumerable.Range(0, 100).Select(i => new JsonObject { ["node_name"] = $"edge-{i % 5}", ["device_id"] = $"{prefix}-{i:d3}" });
        var json = new JsonObject { ["devices"] = new JsonArray(devices.ToArray<JsonNode?>()) }.ToJsonString();

        var first = await BatchAsync(json);
        Assert.Equal("completed", (string?)first["status"]);
        var results = first["results"]!.AsArray();
        Assert.Equal(100, results.Count);
        Assert.All(results, r => Assert.Equal("joined", (string?)r!["result"]));
        Assert.Equal(100, (int)first["joined"]!);
        var crs = await f.DeviceCrsAsync(prefix);
        Assert.Equal(100, crs.Count);
        Assert.Equal("edge-3", (string?)crs.Single(d => (string?)d["metadata"]!["name"] == $"{prefix}-003")["spec"]!["nodeName"]);

        var retry = await BatchAsync(json);
        Assert.Equal(100, retry["results"]!.AsArray().Count);
        Assert.All(retry["results"]!.AsArray(), r => Assert.Equal("already_present", (string?)r!["result"]));
        Assert.Equal(100, (int)retry["already_present"]!);
    }

    /// <summary>Follows the 202 check-status link when the batch outlives the short wait.</summary>
    private async Task<JsonNode> BatchAsync(string json)
    {
        var (status, body) = await f.SendAsync(HttpMethod.Post, "/api/kubeedge/batch-join", json);
        Assert.True(status is 200 or 202, body?.ToJsonString());
        if (status == 200) return body!;
        var link = (string)body!["statusQueryGetUri"]!;
        var done = await KubeEdgeFixture.EventuallyAsync(async () => JsonNode.Parse(await f.Client.GetStringAsync(link))!,
            s => (string?)s["runtimeStatus"] == "Completed", TimeSpan.FromSeconds(90));
        return done["output"]!;
    }
}
