using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Fleet.KubeEmulator;
using k8s;
using k8s.Models;

namespace Fleet.KubeEmulator.Tests;

/// <summary>The kubelet checkpoint API through the node proxy, and reading the archive back through exec.</summary>
[Collection("emulator")]
[Trait("Category", "Emulator")]
public sealed class CheckpointTests(EmulatorFixture fixture)
{
    private Kubernetes Client => fixture.Cluster.Client;
    private KubeEmulatorServer Emulator => fixture.Cluster.Emulator!;

    private async Task<HttpResponseMessage> Proxy(HttpMethod method, string path)
    {
        var request = new HttpRequestMessage(method, new Uri(Client.BaseUri, path));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", fixture.Cluster.Config.AccessToken);
        return await Client.HttpClient.SendAsync(request);
    }

    private async Task<string> RunningPodOn(string ns, string name, string node, bool mountCheckpoints)
    {
        var spec = new V1PodSpec
        {
            NodeName = node,
            Containers = [new V1Container { Name = "counter", Image = "busybox:1.36" }],
        };
        if (mountCheckpoints)
        {
            spec.Volumes = [new V1Volume { Name = "checkpoints", HostPath = new V1HostPathVolumeSource { Path = "/var/lib/kubelet/checkpoints" } }];
            spec.Containers[0].VolumeMounts = [new V1VolumeMount { Name = "checkpoints", MountPath = "/checkpoints" }];
        }
        await Client.CoreV1.CreateNamespacedPodAsync(new V1Pod { Metadata = new V1ObjectMeta { Name = name }, Spec = spec }, ns);
        await Eventually.Get(() => Client.CoreV1.ReadNamespacedPodAsync(name, ns), p => p.Status?.Phase == "Running", "pod running");
        return name;
    }

    [Fact]
    public async Task Checkpoint_writes_the_archive_that_exec_cat_reads_back_byte_for_byte()
    {
        var ns = await fixture.Cluster.CreateNamespaceAsync();
        await RunningPodOn(ns, "counters", "edge-1", mountCheckpoints: false);
        await RunningPodOn(ns, "reader", "edge-1", mountCheckpoints: true);

        using var response = await Proxy(HttpMethod.Post, $"api/v1/nodes/edge-1/proxy/checkpoint/{ns}/counters/counter");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var path = doc.RootElement.GetProperty("items")[0].GetString()!;
        Assert.Matches($@"^/var/lib/kubelet/checkpoints/checkpoint-counters_{ns}-counter-\d{{4}}-\d\d-\d\dT\d\d:\d\d:\d\dZ\.tar$", path);

        var inPod = "/checkpoints/" + Path.GetFileName(path);
        var bytes = new MemoryStream();
        var code = await Client.NamespacedPodExecAsync("reader", ns, "counter", ["cat", inPod], false,
            async (_, stdout, _) => await stdout.CopyToAsync(bytes), CancellationToken.None);
        Assert.Equal(0, code);
        var fixturePath = Emulator.Kubelet.CheckpointFixturePath!;
        Assert.Equal(await File.ReadAllBytesAsync(fixturePath), bytes.ToArray());

        var listing = new MemoryStream();
        await Client.NamespacedPodExecAsync("reader", ns, "counter", ["ls", "/checkpoints"], false,
            async (_, stdout, _) => await stdout.CopyToAsync(listing), CancellationToken.None);
        Assert.Contains(Path.GetFileName(path), System.Text.Encoding.UTF8.GetString(listing.ToArray()));
    }

    [Fact]
    public async Task Checkpoint_is_404_for_unknown_pods_containers_and_with_the_gate_off()
    {
        var ns = await fixture.Cluster.CreateNamespaceAsync();
        await RunningPodOn(ns, "gated", "node-1", mountCheckpoints: false);
        using (var r = await Proxy(HttpMethod.Post, $"api/v1/nodes/node-1/proxy/checkpoint/{ns}/nope/counter"))
            Assert.Equal(HttpStatusCode.NotFound, r.StatusCode);
        using (var r = await Proxy(HttpMethod.Post, $"api/v1/nodes/node-1/proxy/checkpoint/{ns}/gated/nope"))
            Assert.Equal(HttpStatusCode.NotFound, r.StatusCode);

        using (var r = await Proxy(HttpMethod.Get, "api/v1/nodes/node-1/proxy/configz"))
        {
            using var config = JsonDocument.Parse(await r.Content.ReadAsStringAsync());
            Assert.True(config.RootElement.GetProperty("kubeletconfig").GetProperty("featureGates").GetProperty("ContainerCheckpoint").GetBoolean());
        }
        Emulator.Kubelet.SetFeatureGate("node-1", "ContainerCheckpoint", false);
        try
        {
            using (var r = await Proxy(HttpMethod.Post, $"api/v1/nodes/node-1/proxy/checkpoint/{ns}/gated/counter"))
                Assert.Equal(HttpStatusCode.NotFound, r.StatusCode);
            using var off = await Proxy(HttpMethod.Get, "api/v1/nodes/node-1/proxy/configz");
            using var config = JsonDocument.Parse(await off.Content.ReadAsStringAsync());
            Assert.False(config.RootElement.GetProperty("kubeletconfig").GetProperty("featureGates").GetProperty("ContainerCheckpoint").GetBoolean());
        }
        finally
        {
            Emulator.Kubelet.SetFeatureGate("node-1", "ContainerCheckpoint", true);
        }
    }
}
