using System.Net;
using Fleet.Functions.Platform.Auth;
using Fleet.KubeEmulator;
using Fleet.Tests.Support;
using k8s;
using k8s.Models;
using static Fleet.Tests.Kubilitics.KubiliticsTestKit;

namespace Fleet.Tests.Kubilitics;

/// <summary>Metrics from seeded metrics.k8s.io usage, and 503 from a cluster without metrics-server.</summary>
[Trait("Category", "Emulator")]
public sealed class KubiliticsMetricsTests : IAsyncLifetime
{
    private FleetApp _app = null!;
    private HttpClient _admin = null!;

    public async Task InitializeAsync()
    {
        _app = await FleetApp.StartAsync(new Dictionary<string, string?> { ["RateLimits__Scale"] = "100" });
        _admin = await _app.LoginAsync(FleetRole.Admin);
    }

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task Summary_and_deployment_metrics_come_from_seeded_usage_and_node_allocatable()
    {
        await using var cluster = await TestCluster.CreateEmulatedAsync();
        var id = await RegisterAsync(_admin, cluster);
        var nodes = (await cluster.Client.CoreV1.ListNodeAsync()).Items;
        foreach (var n in nodes) cluster.Emulator!.Kubelet.SetNodeMetrics(n.Metadata.Name, "500m", "1Gi");
        var cpuTotal = nodes.Sum(n => n.Status.Allocatable["cpu"].ToDecimal());

        var summary = await JsonAsync(await _admin.GetAsync($"/api/kubilitics/v1/clusters/{id}/metrics/summary"), HttpStatusCode.OK);
        Assert.Equal(cpuTotal.ToString("0.###", System.Globalization.CultureInfo.InvariantCulture), (string?)summary["summary"]!["cpu"]!["total"]);
        Assert.Equal((0.5m * nodes.Count).ToString("0.###", System.Globalization.CultureInfo.InvariantCulture), (string?)summary["summary"]!["cpu"]!["used"]);
        Assert.Equal("cores", (string?)summary["summary"]!["cpu"]!["unit"]);
        Assert.Equal($"{nodes.Count}Gi", (string?)summary["summary"]!["memory"]!["used"]);
        Assert.Equal("bytes", (string?)summary["summary"]!["memory"]!["unit"]);
        Assert.False((bool)summary["cache_hit"]!);
        Assert.True((long)summary["query_ms"]! >= 0);
        var again = await JsonAsync(await _admin.GetAsync($"/api/kubilitics/v1/clusters/{id}/metrics/summary"), HttpStatusCode.OK);
        Assert.True((bool)again["cache_hit"]!);

        var node = await JsonAsync(await _admin.GetAsync($"/api/kubilitics/v1/clusters/{id}/metrics/nodes/{nodes[0].Metadata.Name}"), HttpStatusCode.OK);
        Assert.Equal("0.5", (string?)node["cpu"]!["used"]);
        Assert.Equal("1Gi", (string?)node["memory"]!["used"]);

        var ns = await cluster.CreateNamespaceAsync("m");
        await cluster.Client.AppsV1.CreateNamespacedDeploymentAsync(new V1Deployment
        {
            Metadata = new V1ObjectMeta { Name = "api" },
            Spec = new V1DeploymentSpec
            {
                Replicas = 2,
                Selector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["app"] = "api" } },
                Template = new V1PodTemplateSpec
                {
                    Metadata = new V1ObjectMeta { Labels = new Dictionary<string, string> { ["app"] = "api" } },
                    Spec = new V1PodSpec { Containers = [new V1Container { Name = "api", Image = "nginx" }] },
                },
            },
        }, ns);
        // Another pod with the same labels but no owner is not the deployment's.
        await cluster.Client.CoreV1.CreateNamespacedPodAsync(new V1Pod
        {
            Metadata = new V1ObjectMeta { Name = "stray", Labels = new Dictionary<string, string> { ["app"] = "api-other" } },
            Spec = new V1PodSpec { Containers = [new V1Container { Name = "c", Image = "nginx" }] },
        }, ns);
        List<V1Pod> pods = [];
        using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        while (pods.Count < 2 || pods.Any(p => p.Status?.Phase != "Running"))
        {
            await Task.Delay(100, wait.Token);
            pods = (await cluster.Client.CoreV1.ListNamespacedPodAsync(ns, labelSelector: "app=api", cancellationToken: wait.Token)).Items.ToList();
        }
        foreach (var p in pods) cluster.Emulator!.Kubelet.SetPodMetrics(ns, p.Metadata.Name, "api", "100m", "64Mi");

        var d = await JsonAsync(await _admin.GetAsync($"/api/kubilitics/v1/clusters/{id}/metrics/{ns}/deployment/api"), HttpStatusCode.OK);
        Assert.Equal(2, (int)d["replicas"]!["desired"]!);
        Assert.Equal(2, (int)d["replicas"]!["ready"]!);
        Assert.Equal(2, (int)d["replicas"]!["available"]!);
        Assert.Equal(pods.Select(p => p.Metadata.Name).Order(), d["pods"]!.AsArray().Select(p => (string)p!["name"]!).Order());
        Assert.All(d["pods"]!.AsArray(), p => Assert.Equal("0.1", (string?)p!["cpu"]!["used"]));
        Assert.Equal("0.2", (string?)d["total"]!["cpu"]!["used"]);
        Assert.Equal("128Mi", (string?)d["total"]!["memory"]!["used"]);

        var pod = await JsonAsync(await _admin.GetAsync($"/api/kubilitics/v1/clusters/{id}/metrics/{ns}/{pods[0].Metadata.Name}"), HttpStatusCode.OK);
        Assert.Equal("64Mi", (string?)pod["memory"]!["used"]);
        Assert.Equal(HttpStatusCode.NotFound, (await _admin.GetAsync($"/api/kubilitics/v1/clusters/{id}/metrics/{ns}/deployment/missing")).StatusCode);
    }

    [Fact]
    public async Task A_cluster_without_the_metrics_api_answers_503_saying_so()
    {
        await using var cluster = await TestCluster.CreateEmulatedAsync(new KubeEmulatorOptions { MetricsServer = false });
        var id = await RegisterAsync(_admin, cluster);
        foreach (var path in new[] { "metrics/summary", "metrics", "metrics/nodes/node-1" })
        {
            var body = await JsonAsync(await _admin.GetAsync($"/api/kubilitics/v1/clusters/{id}/{path}"), HttpStatusCode.ServiceUnavailable);
            Assert.Contains("metrics.k8s.io", (string?)body["error"]);
            Assert.Contains("metrics-server", (string?)body["error"]);
        }
    }
}
