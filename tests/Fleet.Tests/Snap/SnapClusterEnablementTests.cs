using System.Text.Json.Nodes;
using k8s;

namespace Fleet.Tests.Snap;

/// <summary>
/// enable_checkpointing, install_runc, verify_checkpointing and statistics on the emulator, whose kubelets answer configz
/// and whose agent pods reach each node's simulated runc and criu through nsenter.
/// </summary>
[Collection(SnapCollection.Name)]
[Trait("Category", "Emulator")]
public sealed class SnapClusterEnablementTests(SnapFixture f)
{
    [Fact]
    public async Task Enable_install_runc_verify_and_statistics_act_on_the_nodes()
    {
        var kubelet = f.Cluster.Emulator!.Kubelet;
        kubelet.SetFeatureGate("edge-1", "ContainerCheckpoint", false);
        kubelet.SetHostTool("edge-1", "criu", null);
        try
        {
            var (status, enabled) = await f.PostAsync(f.Admin, "/api/snap/cluster/enable_checkpointing",
                new { cluster_name = f.ClusterName, node_names = new[] { "node-1", "edge-1" } });
            Assert.True(status == 200, enabled?.ToJsonString());
            Assert.False((bool)enabled!["checkpointing_enabled"]!);
            Assert.Equal("v1.31.4", (string)enabled["server_version"]!);
            var nodes = enabled["nodes"]!.AsArray();
            Assert.True((bool)Node(nodes, "node-1")["feature_gate"]! && (bool)Node(nodes, "node-1")["labeled"]!);
            Assert.False((bool)Node(nodes, "edge-1")["feature_gate"]!);
            Assert.Equal("configz", (string)Node(nodes, "edge-1")["feature_gate_source"]!);
            Assert.Equal("enabled", (await f.Cluster.Client.CoreV1.ReadNodeAsync("node-1")).Metadata.Labels["snap.io/checkpointing"]);
            Assert.False((await f.Cluster.Client.CoreV1.ReadNodeAsync("edge-1")).Metadata.Labels.ContainsKey("snap.io/checkpointing"));

            var (badStatus, bad) = await f.PostAsync(f.Admin, "/api/snap/cluster/install_runc", new { cluster_name = f.ClusterName, runc_version = "latest" });
            Assert.Equal(400, badStatus);
            Assert.Contains("runc_version", (string)bad!["details"]!);

            // install_runc is an orchestration: 202 with the status link; per-node progress in its custom status.
            var (accepted, running) = await f.PostAsync(f.Admin, "/api/snap/cluster/install_runc",
                new { cluster_name = f.ClusterName, runc_version = "1.2.4", node_names = new[] { "node-1" } });
            Assert.True(accepted == 202, running?.ToJsonString());
            var link = (string)running!["statusQueryGetUri"]!;
            JsonNode done;
            var deadline = DateTime.UtcNow.AddSeconds(90);
            while (true)
            {
                done = JsonNode.Parse(await f.Admin.GetStringAsync(link))!;
                if ((string?)done["runtimeStatus"] is "Completed" or "Failed") break;
                Assert.True(DateTime.UtcNow < deadline, "install_runc did not finish");
                await Task.Delay(250);
            }
            Assert.Equal("Completed", (string)done["runtimeStatus"]!);
            var output = done["output"]!;
            Assert.True((bool)output["success"]!, output.ToJsonString());
            // The management API writes the output in its own (camelCase) naming.
            Assert.Equal("1.1.12", (string)output["nodes"]![0]!["previousVersion"]!);
            Assert.Equal("1.2.4", (string)output["nodes"]![0]!["runcVersion"]!);
            var progress = done["customStatus"]!;
            Assert.Equal(100, (int)progress["percent"]!);
            Assert.Equal("done", (string)progress["nodes"]![0]!["status"]!);
            Assert.Equal("1.2.4", kubelet.HostTool("node-1", "runc"));

            var (verifyStatus, verify) = await f.PostAsync(f.Operator, "/api/snap/cluster/verify_checkpointing", new { cluster_name = f.ClusterName });
            Assert.True(verifyStatus == 200, verify?.ToJsonString());
            Assert.False((bool)verify!["checkpointing_enabled"]!);
            var vnodes = verify["nodes"]!.AsArray();
            Assert.Equal("1.2.4", (string)Node(vnodes, "node-1")["runc_version"]!);
            Assert.True((bool)Node(vnodes, "node-1")["criu_available"]!);
            Assert.Equal("1.1.12", (string)Node(vnodes, "edge-1")["runc_version"]!);
            Assert.False((bool)Node(vnodes, "edge-1")["criu_available"]!);
        }
        finally
        {
            kubelet.SetFeatureGate("edge-1", "ContainerCheckpoint", true);
            kubelet.SetHostTool("edge-1", "criu", "4.2.1");
        }

        var (_, _, node, checkpoint) = await f.CheckpointAsync();
        using var r = await f.Viewer.GetAsync("/api/snap/cluster/statistics");
        var stats = JsonNode.Parse(await r.Content.ReadAsStringAsync())!;
        var mine = stats["clusters"]!.AsArray().Single(c => (string)c!["cluster_name"]! == f.ClusterName)!;
        Assert.True((int)mine["completed"]! >= 1);
        var nodeStats = Node(mine["nodes"]!.AsArray(), node);
        Assert.True((long)nodeStats["bytes"]! >= (long)checkpoint["size"]!);
        Assert.NotNull((string?)nodeStats["last_success"]);
    }

    private static JsonNode Node(JsonArray nodes, string name) => nodes.Single(n => (string)n!["name"]! == name)!;
}
