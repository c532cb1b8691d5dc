using System.Net;
using System.Text.Json;
using Fleet.KubeEmulator;
using k8s;

namespace Fleet.KubeEmulator.Tests;

/// <summary>Authentication, discovery and the kubeconfig of the in-process emulator.</summary>
[Collection("emulator")]
[Trait("Category", "Emulator")]
public sealed class ServerTests(EmulatorFixture fixture)
{
    private Kubernetes Client => fixture.Cluster.Client;
    private KubeEmulatorServer Emulator => fixture.Cluster.Emulator!;

    [Fact]
    public async Task Requests_without_the_token_get_a_401_Status()
    {
        using var response = await Client.HttpClient.GetAsync(new Uri(Client.BaseUri, "api/v1/namespaces"));
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        using var status = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("Status", status.RootElement.GetProperty("kind").GetString());
        Assert.Equal("Unauthorized", status.RootElement.GetProperty("reason").GetString());
        Assert.Equal(401, status.RootElement.GetProperty("code").GetInt32());
    }

    [Fact]
    public async Task Version_and_discovery_answer_like_a_1_31_server()
    {
        var version = await Client.Version.GetCodeAsync();
        Assert.StartsWith("v1.31.", version.GitVersion);
        Assert.Equal("1", version.Major);

        var core = await Client.Core.GetAPIVersionsAsync();
        Assert.Contains("v1", core.Versions);
        var groups = await Client.Apis.GetAPIVersionsAsync();
        foreach (var g in new[] { "apps", "batch", "networking.k8s.io", "storage.k8s.io", "rbac.authorization.k8s.io", "apiextensions.k8s.io", "metrics.k8s.io", "devices.kubeedge.io" })
            Assert.Contains(groups.Groups, x => x.Name == g);

        var apps = await Client.AppsV1.GetAPIResourcesAsync();
        var deployments = apps.Resources.Single(r => r.Name == "deployments");
        Assert.True(deployments.Namespaced);
        Assert.Equal("Deployment", deployments.Kind);
        Assert.Contains("deploy", deployments.ShortNames);
        Assert.Contains("watch", deployments.Verbs);
        Assert.Contains(apps.Resources, r => r.Name == "deployments/scale");
    }

    [Fact]
    public async Task Seeded_nodes_look_like_kind_and_KubeEdge()
    {
        var nodes = (await Client.CoreV1.ListNodeAsync()).Items;
        var control = nodes.Single(n => n.Metadata.Name == "node-1");
        Assert.True(control.Metadata.Labels.ContainsKey("node-role.kubernetes.io/control-plane"));
        Assert.StartsWith("kind://", control.Spec.ProviderID);
        var edge = nodes.Single(n => n.Metadata.Name == "edge-1");
        Assert.Equal("", edge.Metadata.Labels["node-role.kubernetes.io/edge"]);
        Assert.All(nodes, n => Assert.Contains(n.Status.Conditions, c => c.Type == "Ready" && c.Status == "True"));
        Assert.All(nodes, n => Assert.Contains(n.Status.Addresses, a => a.Type == "InternalIP"));
        Assert.All(nodes, n => Assert.Equal("4", n.Status.Allocatable["cpu"].ToString()));
        var names = (await Client.CoreV1.ListNamespaceAsync()).Items.Select(n => n.Metadata.Name).ToList();
        Assert.Contains("default", names);
        Assert.Contains("kube-system", names);
        Assert.Contains("kube-public", names);
    }

    [Fact]
    public void Kubeconfig_names_the_server_token_and_CA()
    {
        var yaml = Emulator.KubeconfigYaml("ctx");
        Assert.Contains($"server: {Emulator.BaseUrl}", yaml);
        Assert.Contains($"token: {Emulator.Token}", yaml);
        Assert.Contains("certificate-authority-data:", yaml);
        Assert.Contains("current-context: ctx", yaml);
    }

    [Fact]
    public void The_store_seeds_and_inspects_raw_objects()
    {
        Emulator.Store.Put("""{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"seeded","namespace":"kube-public"},"data":{"a":"b"}}""");
        var got = Emulator.Store.Get("v1", "ConfigMap", "kube-public", "seeded");
        Assert.Equal("b", got!["data"]!["a"]!.GetValue<string>());
        Assert.Contains(Emulator.Store.List("v1", "Node"), n => n["metadata"]!["name"]!.GetValue<string>() == "edge-1");
        Assert.True(Emulator.Store.Delete("v1", "ConfigMap", "kube-public", "seeded"));
    }

    [Fact]
    public async Task CreateHttpClient_trusts_the_emulator_CA_and_sends_the_token()
    {
        using var http = Emulator.CreateHttpClient();
        using var response = await http.GetAsync("api/v1/namespaces/default");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var ns = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("Namespace", ns.RootElement.GetProperty("kind").GetString());
        using var missing = await http.GetAsync("apis/nope.example.com/v1/things");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Contains("\"kind\":\"Status\"", await missing.Content.ReadAsStringAsync());
    }
}
