using System.Text.Json.Nodes;
using k8s;

namespace Fleet.Tests.KubeEdge;

/// <summary>POST /apps/deploy: a Deployment placed on edge nodes of the cluster, answered with its rollout per node.</summary>
[Trait("Category", "Kubernetes")]
public sealed class KubeEdgeAppTests(KubeEdgeFixture f) : IClassFixture<KubeEdgeFixture>
{
    private Task<JsonObject?> Deployment(string name) =>
        TestCluster.JsonOrNullAsync(() => f.Cluster.Client.AppsV1.ReadNamespacedDeploymentAsync(name, f.AppNamespace));

    private async Task<int> DeploymentCount() => (await f.Cluster.Client.AppsV1.ListNamespacedDeploymentAsync(f.AppNamespace)).Items.Count;

    [Fact]
    public async Task Deploy_places_the_app_on_edge_nodes_and_reports_ready_replicas_per_node()
    {
        var name = KubeEdgeFixture.Unique("app");
        var body = await DeployAsync($$"""{"name":"{{name}}","image":"nginx:1.25","replicas":2}""");
        Assert.Equal("ready", (string?)body["status"]);
        Assert.Equal(name, (string?)body["name"]);
        Assert.Equal(f.AppNamespace, (string?)body["namespace"]);
        Assert.Equal(2, (int)body["replicas"]!);
        Assert.Equal(2, (int)body["ready_replicas"]!);
        var node = Assert.Single(body["nodes"]!.AsArray());
        Assert.Equal(f.EdgeNode, (string?)node!["node"]);
        Assert.True((bool)node["ready"]!);

        var d = (await Deployment(name))!;
        var pod = d["spec"]!["template"]!["spec"]!;
        Assert.Equal("", (string?)pod["nodeSelector"]!["node-role.kubernetes.io/edge"]);
        Assert.Equal("nginx:1.25", (string?)pod["containers"]![0]!["image"]);
        Assert.Equal(2, (int)d["spec"]!["replicas"]!);

        var again = await f.SendAsync(HttpMethod.Post, "/api/kubeedge/apps/deploy", $$"""{"name":"{{name}}","image":"nginx:1.25","replicas":2}""");
        Assert.Equal(409, again.Status);
    }

    [Fact]
    public async Task Named_nodes_become_a_hostname_affinity_and_a_given_node_selector_replaces_the_edge_one()
    {
        var named = KubeEdgeFixture.Unique("app");
        var body = await DeployAsync($$"""{"name":"{{named}}","image":"busybox:1.36","replicas":1,"nodes":["{{f.EdgeNode}}"]}""");
        Assert.Equal(f.EdgeNode, (string?)body["nodes"]![0]!["node"]);
        var term = (await Deployment(named))!["spec"]!["template"]!["spec"]!["affinity"]!["nodeAffinity"]!
            ["requiredDuringSchedulingIgnoredDuringExecution"]!["nodeSelectorTerms"]![0]!["matchExpressions"]![0]!;
        Assert.Equal("kubernetes.io/hostname", (string?)term["key"]);
        Assert.Equal(f.EdgeNode, (string?)term["values"]![0]);

        var selected = KubeEdgeFixture.Unique("app");
        var sel = await DeployAsync($$$"""{"name":"{{{selected}}}","image":"busybox:1.36","replicas":1,"node_selector":{"kubernetes.io/arch":"{{{f.EdgeArch}}}"}}""");
        Assert.Equal(1, (int)sel["ready_replicas"]!);
        var selector = (await Deployment(selected))!["spec"]!["template"]!["spec"]!["nodeSelector"]!.AsObject();
        Assert.Equal(f.EdgeArch, (string?)selector["kubernetes.io/arch"]);
        Assert.False(selector.ContainsKey("node-role.kubernetes.io/edge"));
    }

    [Theory]
    [InlineData("""{"name":"Bad_Name","image":"nginx","replicas":1}""", "name")]
    [InlineData("""{"image":"nginx","replicas":1}""", "name")]
    [InlineData("""{"name":"NAME","image":"","replicas":1}""", "name")]
    [InlineData("""{"name":"ok-app","image":"","replicas":1}""", "image")]
    [InlineData("""{"name":"ok-app","image":"nginx","replicas":0}""", "replicas")]
    [InlineData("""{"name":"ok-app","image":"nginx","replicas":101}""", "replicas")]
    [InlineData("""{"name":"ok-app","image":"nginx","replicas":1,"nodes":["Edge_1"]}""", "nodes[0]")]
    public async Task Bad_input_is_400_API_001_and_no_Deployment_is_created(string json, string field)
    {
        var before = await DeploymentCount();
        var (status, body) = await f.SendAsync(HttpMethod.Post, "/api/kubeedge/apps/deploy", json);
        Assert.Equal(400, status);
        Assert.Equal("API-001", (string?)body!["error"]!["code"]);
        Assert.Contains(field, body.ToJsonString());
        Assert.Null(await Deployment("ok-app"));
        Assert.Equal(before, await DeploymentCount());
    }

    /// <summary>Follows the 202 check-status link when the rollout outlives the short wait.</summary>
    private async Task<JsonNode> DeployAsync(string json)
    {
        var (status, body) = await f.SendAsync(HttpMethod.Post, "/api/kubeedge/apps/deploy", json);
        Assert.True(status is 201 or 202, body?.ToJsonString());
        if (status == 201) return body!;
        var link = (string)body!["statusQueryGetUri"]!;
        var done = await KubeEdgeFixture.EventuallyAsync(async () => JsonNode.Parse(await f.Client.GetStringAsync(link))!,
            s => (string?)s["runtimeStatus"] == "Completed", TimeSpan.FromSeconds(90));
        return done["output"]!;
    }
}
