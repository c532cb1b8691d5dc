using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using k8s;

namespace Fleet.Tests.Snap;

/// <summary>
/// POST /checkpoint/kubelet/checkpoint end to end on the emulator: the kubelet's archive reaches Blob storage through
/// the agent DaemonSet byte for byte, is listed and downloadable with ranges; missing things are 404s in SNAP's envelope.
/// </summary>
[Collection(SnapCollection.Name)]
[Trait("Category", "Emulator")]
public sealed class SnapCheckpointTests(SnapFixture f)
{
    [Fact]
    public async Task Checkpoint_copies_the_nodes_archive_to_blob_storage_lists_it_and_serves_ranges()
    {
        var (ns, pod, node) = await f.RunningPodAsync();
        var (status, body) = await f.PostAsync(f.Operator, "/api/snap/checkpoint/kubelet/checkpoint",
            new { pod_name = pod, @namespace = ns, node_name = node, container_name = "counter", cluster_name = f.ClusterName });
        Assert.True(status == 200, body?.ToJsonString());
        Assert.True((bool)body!["success"]!);
        var path = (string)body["checkpoint_path"]!;
        Assert.StartsWith($"/var/lib/kubelet/checkpoints/checkpoint-{pod}_{ns}-counter-", path);
        Assert.False(string.IsNullOrEmpty((string?)body["pod_id"]));

        // The archive the node holds, and the agent that read it: a DaemonSet pod on that node mounting the kubelet's folder.
        var onNode = f.Cluster.Emulator!.Kubelet.GetNodeFile(node, path)!;
        Assert.NotNull(onNode);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(onNode)), (string)body["sha256"]!);
        Assert.Equal(onNode.Length, (long)body["size"]!);
        var agents = await f.Cluster.Client.CoreV1.ListNamespacedPodAsync("fleet-snap", labelSelector: "app.kubernetes.io/name=fleet-snap-agent");
        Assert.Contains(agents.Items, p => p.Spec.NodeName == node && p.Spec.Volumes.Any(v => v.HostPath?.Path == "/var/lib/kubelet/checkpoints"));

        // Listed, newest first, with a human size.
        using var list = await f.Viewer.GetAsync("/api/snap/checkpoint/list?limit=5");
        var items = JsonNode.Parse(await list.Content.ReadAsStringAsync())!["checkpoints"]!.AsArray();
        var item = items.First(i => (string)i!["id"]! == (string)body["checkpoint_id"]!)!;
        Assert.Equal(pod, (string)item["pod_name"]!);
        Assert.Equal("completed", (string)item["status"]!);
        Assert.Matches(@"^\d+(\.\d)?KB$", (string)item["size"]!);

        // Downloaded whole (identical to the node's file), and by range.
        var url = (string)body["download_url"]!;
        using var whole = await f.Viewer.GetAsync(url);
        Assert.Equal(HttpStatusCode.OK, whole.StatusCode);
        Assert.Equal("bytes", whole.Headers.AcceptRanges.Single());
        Assert.Equal(onNode, await whole.Content.ReadAsByteArrayAsync());

        using var rangeRequest = new HttpRequestMessage(HttpMethod.Get, url);
        rangeRequest.Headers.Range = new RangeHeaderValue(100, 1123);
        using var part = await f.Viewer.SendAsync(rangeRequest);
        Assert.Equal(HttpStatusCode.PartialContent, part.StatusCode);
        Assert.Equal($"bytes 100-1123/{onNode.Length}", part.Content.Headers.ContentRange!.ToString());
        Assert.Equal(onNode[100..1124], await part.Content.ReadAsByteArrayAsync());

        using var beyond = new HttpRequestMessage(HttpMethod.Get, url);
        beyond.Headers.Range = new RangeHeaderValue(onNode.Length + 10, null);
        using var unsatisfiable = await f.Viewer.SendAsync(beyond);
        Assert.Equal(HttpStatusCode.RequestedRangeNotSatisfiable, unsatisfiable.StatusCode);
    }

    [Fact]
    public async Task Missing_cluster_pod_or_container_is_a_404_in_snaps_envelope_and_records_nothing()
    {
        var (ns, pod, _) = await f.RunningPodAsync();
        var before = await CountAsync();

        var (s1, cluster) = await f.PostAsync(f.Operator, "/api/snap/checkpoint/kubelet/checkpoint",
            new { pod_name = pod, @namespace = ns, container_name = "counter", cluster_name = "no-such-cluster" });
        AssertEnvelope(404, "CLUSTER_NOT_FOUND", s1, cluster);

        var (s2, noPod) = await f.PostAsync(f.Operator, "/api/snap/checkpoint/kubelet/checkpoint",
            new { pod_name = "ghost", @namespace = ns, container_name = "counter", cluster_name = f.ClusterName });
        AssertEnvelope(404, "CHECKPOINT_FAILED", s2, noPod);
        Assert.Contains("ghost", (string)noPod!["error"]!);

        var (s3, noContainer) = await f.PostAsync(f.Operator, "/api/snap/checkpoint/kubelet/checkpoint",
            new { pod_name = pod, @namespace = ns, container_name = "sidecar", cluster_name = f.ClusterName });
        AssertEnvelope(404, "CHECKPOINT_FAILED", s3, noContainer);
        Assert.Contains("sidecar", (string)noContainer!["error"]!);

        var (s4, missing) = await f.PostAsync(f.Operator, "/api/snap/checkpoint/kubelet/checkpoint", new { pod_name = pod, cluster_name = f.ClusterName });
        AssertEnvelope(400, "VALIDATION_ERROR", s4, missing);
        Assert.Contains("container_name", (string)missing!["details"]!);

        using var download = await f.Viewer.GetAsync($"/api/snap/checkpoint/download/{pod}/nothing.tar");
        AssertEnvelope(404, "CHECKPOINT_FAILED", (int)download.StatusCode, JsonNode.Parse(await download.Content.ReadAsStringAsync()));
        Assert.Equal(before, await CountAsync());
    }

    private async Task<int> CountAsync()
    {
        var n = 0;
        string? next = null;
        do
        {
            using var r = await f.Viewer.GetAsync("/api/snap/checkpoint/list?limit=500" + (next is null ? "" : "&continue=" + Uri.EscapeDataString(next)));
            var body = JsonNode.Parse(await r.Content.ReadAsStringAsync())!;
            n += body["checkpoints"]!.AsArray().Count;
            next = (string?)body["continue"];
        } while (next is not null);
        return n;
    }

    private static void AssertEnvelope(int expected, string code, int status, JsonNode? body)
    {
        Assert.True(status == expected, $"{status}: {body?.ToJsonString()}");
        Assert.False((bool)body!["success"]!);
        Assert.Equal(code, (string)body["code"]!);
        Assert.False(string.IsNullOrEmpty((string?)body["error"]));
        Assert.NotNull((string?)body["details"]);
    }
}
