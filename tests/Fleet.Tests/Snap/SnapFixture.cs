using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Fleet.Functions.Platform.Auth;
using Fleet.Tests.Support;
using k8s;
using k8s.Models;

namespace Fleet.Tests.Snap;

/// <summary>
/// One host and one in-process emulator (its kubelet writes the fixture archive on checkpoint), registered as a SNAP
/// cluster config; the SNAP tests share it and make their own namespaces.
/// </summary>
public sealed class SnapFixture : IAsyncLifetime
{
    public TestCluster Cluster { get; private set; } = null!;
    public FleetApp App { get; private set; } = null!;
    public HttpClient Admin { get; private set; } = null!;
    public HttpClient Operator { get; private set; } = null!;
    public HttpClient Viewer { get; private set; } = null!;
    public string ClusterName { get; } = "snap-" + Guid.NewGuid().ToString("N")[..8];

    public async Task InitializeAsync()
    {
        Cluster = await TestCluster.CreateEmulatedAsync();
        App = await FleetApp.StartAsync(new Dictionary<string, string?> { ["RateLimits__Scale"] = "100" });
        Admin = await App.LoginAsync(FleetRole.Admin);
        Operator = await App.LoginAsync(FleetRole.Operator);
        Viewer = await App.LoginAsync(FleetRole.Viewer);
        var r = await Admin.PostAsJsonAsync("/api/snap/config/clusters/create", new
        {
            name = ClusterName,
            kubeconfig_content = Convert.ToBase64String(Encoding.UTF8.GetBytes(Cluster.KubeconfigYaml(ClusterName))),
        });
        Assert.True(r.IsSuccessStatusCode, await r.Content.ReadAsStringAsync());
    }

    /// <summary>A running one-container pod (busybox counter) in a fresh namespace.</summary>
    public async Task<(string Namespace, string Pod, string Node)> RunningPodAsync(string container = "counter")
    {
        var ns = await Cluster.CreateNamespaceAsync("snap");
        await Cluster.Client.CoreV1.CreateNamespacedPodAsync(new V1Pod
        {
            Metadata = new V1ObjectMeta { Name = "counter" },
            Spec = new V1PodSpec { Containers = [new V1Container { Name = container, Image = "busybox:1.36", Command = ["sh", "-c", "i=0; while true; do echo $i; i=$((i+1)); sleep 1; done"] }] },
        }, ns);
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            var p = await Cluster.Client.CoreV1.ReadNamespacedPodAsync("counter", ns);
            if (p.Status?.Phase == "Running") return (ns, "counter", p.Spec.NodeName);
            if (DateTime.UtcNow > deadline) throw new TimeoutException("pod never ran");
            await Task.Delay(100);
        }
    }

    public async Task<(int Status, JsonNode? Body)> PostAsync(HttpClient client, string url, object body)
    {
        using var r = await client.PostAsJsonAsync(url, body);
        var text = await r.Content.ReadAsStringAsync();
        return ((int)r.StatusCode, text.Length == 0 ? null : JsonNode.Parse(text));
    }

    public async Task DisposeAsync()
    {
        await App.DisposeAsync();
        await Cluster.DisposeAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class SnapCollection : ICollectionFixture<SnapFixture>
{
    public const string Name = "snap";
}
