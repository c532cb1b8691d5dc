using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Fleet.Functions.Platform.Auth;
using Fleet.Tests.Support;
using k8s;
using k8s.Models;
using static Fleet.Tests.Kubilitics.KubiliticsTestKit;

namespace Fleet.Tests.Kubilitics;

/// <summary>Overview, workloads, kubeconfig download and events, against the test cluster.</summary>
[Trait("Category", "Kubernetes")]
[Collection(KubiliticsCollection.Name)]
public sealed class KubiliticsViewTests(KubiliticsClusterFixture f)
{
    private TestCluster _cluster => f.Cluster;
    private HttpClient _admin => f.Admin;
    private HttpClient _viewer => f.Viewer;
    private string _id => f.ClusterId;

    [Fact]
    public async Task Events_are_newest_first_and_page_with_continue_and_total()
    {
        var ns = await _cluster.CreateNamespaceAsync("ev");
        var start = DateTime.UtcNow.AddMinutes(-30);
        for (var i = 0; i < 5; i++)
            await _cluster.Client.CoreV1.CreateNamespacedEventAsync(new Corev1Event
            {
                Metadata = new V1ObjectMeta { Name = $"e{i}", NamespaceProperty = ns },
                InvolvedObject = new V1ObjectReference { Kind = "Pod", NamespaceProperty = ns, Name = $"pod-{i}" },
                Reason = "Created", Message = $"Created pod {i}", Type = i == 4 ? "Warning" : "Normal",
                FirstTimestamp = start.AddMinutes(i), LastTimestamp = start.AddMinutes(i), Count = i + 1,
                Source = new V1EventSource { Component = "test" },
            }, ns);

        var seen = new List<JsonNode>();
        string? token = null;
        var pages = 0;
        do
        {
            var url = $"/api/kubilitics/v1/clusters/{_id}/events?namespace={ns}&limit=2" + (token is null ? "" : $"&continue={Uri.EscapeDataString(token)}");
            var page = await JsonAsync(await _viewer.GetAsync(url), HttpStatusCode.OK);
            Assert.Equal(5, (int)page["metadata"]!["total"]!);
            seen.AddRange(page["items"]!.AsArray().Select(x => x!));
            token = (string?)page["metadata"]!["continue"];
            pages++;
        } while (token is not null);
        Assert.Equal(3, pages);
        Assert.Equal(["pod-4", "pod-3", "pod-2", "pod-1", "pod-0"], seen.Select(e => (string)e["involvedObject"]!["name"]!).ToArray());
        var newest = seen[0];
        Assert.Equal("Warning", (string?)newest["type"]);
        Assert.Equal("Created", (string?)newest["reason"]);
        Assert.Equal("Created pod 4", (string?)newest["message"]);
        Assert.Equal(5, (int)newest["count"]!);
        Assert.Equal("Pod", (string?)newest["involvedObject"]!["kind"]);
        Assert.Equal(ns, (string?)newest["involvedObject"]!["namespace"]);
        Assert.Equal(start.AddMinutes(4).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'"), (string?)newest["lastTimestamp"]);

        Assert.Contains("limit", (string?)(await JsonAsync(await _viewer.GetAsync($"/api/kubilitics/v1/clusters/{_id}/events?limit=501"), HttpStatusCode.BadRequest))["error"]);
        Assert.Contains("continue", (string?)(await JsonAsync(await _viewer.GetAsync($"/api/kubilitics/v1/clusters/{_id}/events?continue=zzz"), HttpStatusCode.BadRequest))["error"]);
    }

    [Fact]
    public async Task Overview_and_workloads_count_what_the_cluster_holds()
    {
        var ns = await _cluster.CreateNamespaceAsync("wl");
        await _cluster.Client.AppsV1.CreateNamespacedDeploymentAsync(new V1Deployment
        {
            Metadata = new V1ObjectMeta { Name = "web" },
            Spec = new V1DeploymentSpec
            {
                Replicas = 1,
                Selector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["app"] = "web" } },
                Template = new V1PodTemplateSpec
                {
                    Metadata = new V1ObjectMeta { Labels = new Dictionary<string, string> { ["app"] = "web" } },
                    Spec = new V1PodSpec { Containers = [new V1Container { Name = "web", Image = "nginx" }] },
                },
            },
        }, ns);

        var overviewUrl = $"/api/kubilitics/v1/clusters/{_id}/overview";
        var overview = await JsonAsync(await _viewer.GetAsync(overviewUrl), HttpStatusCode.OK);
        Assert.Equal(_id, (string?)overview["cluster"]!["id"]);
        Assert.Equal(_cluster.ServerUrl, (string?)overview["cluster"]!["server_url"]);
        Assert.Equal((await _cluster.Client.CoreV1.ListNodeAsync()).Items.Count, (int)overview["summary"]!["node_count"]!);
        Assert.True(overview["recent_events"]!.AsArray().Count <= 10);
        await AgreesAsync("namespace_count", async () => (await _cluster.Client.CoreV1.ListNamespaceAsync()).Items.Count,
            async () => (int)(await JsonAsync(await _viewer.GetAsync(overviewUrl), HttpStatusCode.OK))["summary"]!["namespace_count"]!);

        var workloadsUrl = $"/api/kubilitics/v1/clusters/{_id}/workloads";
        async Task<int> FleetCount(string field) => (int)(await JsonAsync(await _viewer.GetAsync(workloadsUrl), HttpStatusCode.OK))[field]!;
        await AgreesAsync("deployments", async () => (await _cluster.Client.AppsV1.ListDeploymentForAllNamespacesAsync()).Items.Count, () => FleetCount("deployments"));
        Assert.True(await FleetCount("deployments") >= 1);
        await AgreesAsync("statefulsets", async () => (await _cluster.Client.AppsV1.ListStatefulSetForAllNamespacesAsync()).Items.Count, () => FleetCount("statefulsets"));
        await AgreesAsync("daemonsets", async () => (await _cluster.Client.AppsV1.ListDaemonSetForAllNamespacesAsync()).Items.Count, () => FleetCount("daemonsets"));
        await AgreesAsync("jobs", async () => (await _cluster.Client.BatchV1.ListJobForAllNamespacesAsync()).Items.Count, () => FleetCount("jobs"));
        await AgreesAsync("cronjobs", async () => (await _cluster.Client.BatchV1.ListCronJobForAllNamespacesAsync()).Items.Count, () => FleetCount("cronjobs"));

        Assert.Equal(HttpStatusCode.NotFound, (await _viewer.GetAsync($"/api/kubilitics/v1/clusters/{Guid.NewGuid()}/workloads")).StatusCode);
    }

    [Fact]
    public async Task Kubeconfig_download_has_one_context_that_works_and_is_audited()
    {
        var r = await _viewer.GetAsync($"/api/kubilitics/v1/clusters/{_id}/kubeconfig");
        Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        Assert.Equal("application/yaml", r.Content.Headers.ContentType?.MediaType);
        Assert.Equal($"attachment; filename=\"kubeconfig-{_id}.yaml\"", r.Content.Headers.ContentDisposition?.ToString());
        var yaml = await r.Content.ReadAsStringAsync();

        using var stream = new MemoryStream(Encoding.UTF8.GetBytes(yaml));
        var config = await KubernetesClientConfiguration.LoadKubeConfigAsync(stream);
        var context = Assert.Single(config.Contexts);
        Assert.Equal(context.Name, config.CurrentContext);
        Assert.Single(config.Clusters);
        Assert.Single(config.Users);
        Assert.Equal(_cluster.ServerUrl, config.Clusters.Single().ClusterEndpoint.Server);
        using var client = new k8s.Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigObject(config));
        Assert.Equal((await _cluster.Client.Version.GetCodeAsync()).GitVersion, (await client.Version.GetCodeAsync()).GitVersion);

        var audit = await JsonAsync(await _admin.GetAsync($"/api/kubilitics/v1/audit-log?cluster_id={_id}&action=kubeconfig_download"), HttpStatusCode.OK);
        var entry = Assert.Single(audit.AsArray())!;
        Assert.Equal(200, (int)entry["status_code"]!);
        Assert.StartsWith("t-viewer-", (string?)entry["username"]);
    }

    /// <summary>
    /// Other tests create and delete objects in the shared cluster meanwhile, so a count can move between any two reads:
    /// Fleet's count must equal the cluster's in a read bracketed by two equal cluster reads, which happens once the
    /// churn pauses (tried up to 20 times). A wrong count never agrees.
    /// </summary>
    private static async Task AgreesAsync(string what, Func<Task<int>> cluster, Func<Task<int>> fleet)
    {
        var seen = new List<string>();
        for (var attempt = 0; attempt < 20; attempt++)
        {
            var before = await cluster();
            var answer = await fleet();
            var after = await cluster();
            if (before == after && answer == before) return;
            seen.Add($"{before}/{answer}/{after}");
            await Task.Delay(200);
        }
        Assert.Fail($"{what}: Fleet's count never matched the cluster's (cluster before/Fleet/cluster after: {string.Join(", ", seen)})");
    }
}
