using System.Net;
using System.Net.WebSockets;
using Fleet.Functions.Platform.Auth;
using Fleet.Tests.Support;
using k8s;
using k8s.Models;
using static Fleet.Tests.Kubilitics.KubiliticsTestKit;

namespace Fleet.Tests.Kubilitics;

/// <summary>Pod logs with tail, since and follow over WebSocket; the emulator's kubelet holds the seeded log lines.</summary>
[Trait("Category", "Emulator")]
public sealed class KubiliticsLogTests : IAsyncLifetime
{
    private TestCluster _cluster = null!;
    private FleetApp _app = null!;
    private HttpClient _viewer = null!;
    private string _id = null!;

    public async Task InitializeAsync()
    {
        _cluster = await TestCluster.CreateEmulatedAsync();
        _app = await FleetApp.StartAsync(new Dictionary<string, string?> { ["RateLimits__Scale"] = "100" });
        _viewer = await _app.LoginAsync(FleetRole.Viewer);
        _id = await RegisterAsync(await _app.LoginAsync(FleetRole.Admin), _cluster);
    }

    public async Task DisposeAsync()
    {
        await _app.DisposeAsync();
        await _cluster.DisposeAsync();
    }

    private async Task<string> PodAsync(string ns, string name, params string[] containers)
    {
        await _cluster.Client.CoreV1.CreateNamespacedPodAsync(new V1Pod
        {
            Metadata = new V1ObjectMeta { Name = name },
            Spec = new V1PodSpec { Containers = containers.Select(c => new V1Container { Name = c, Image = "busybox" }).ToList() },
        }, ns);
        return name;
    }

    [Fact]
    public async Task Logs_honour_tail_and_since_and_a_multi_container_pod_needs_a_container()
    {
        var ns = await _cluster.CreateNamespaceAsync("logs");
        var pod = await PodAsync(ns, "app", "app");
        var kubelet = _cluster.Emulator!.Kubelet;
        kubelet.AppendPodLogAt(ns, pod, DateTimeOffset.UtcNow.AddHours(-2), "old 1\nold 2\n");
        kubelet.AppendPodLogAt(ns, pod, DateTimeOffset.UtcNow.AddMinutes(-5), "recent 1\nrecent 2\nrecent 3\n");

        var all = await _viewer.GetAsync($"/api/kubilitics/v1/clusters/{_id}/logs/{ns}/{pod}");
        Assert.Equal(HttpStatusCode.OK, all.StatusCode);
        Assert.Equal("text/plain", all.Content.Headers.ContentType?.MediaType);
        Assert.Equal("old 1\nold 2\nrecent 1\nrecent 2\nrecent 3\n", await all.Content.ReadAsStringAsync());
        Assert.Equal("recent 2\nrecent 3\n", await _viewer.GetStringAsync($"/api/kubilitics/v1/clusters/{_id}/logs/{ns}/{pod}?tail=2"));
        Assert.Equal("recent 1\nrecent 2\nrecent 3\n", await _viewer.GetStringAsync($"/api/kubilitics/v1/clusters/{_id}/logs/{ns}/{pod}?since=1h"));
        Assert.Equal("recent 3\n", await _viewer.GetStringAsync($"/api/kubilitics/v1/clusters/{_id}/logs/{ns}/{pod}?since=10m&tail=1"));

        var badSince = await JsonAsync(await _viewer.GetAsync($"/api/kubilitics/v1/clusters/{_id}/logs/{ns}/{pod}?since=yesterday"), HttpStatusCode.BadRequest);
        Assert.Contains("since", (string?)badSince["error"]);
        var badTail = await JsonAsync(await _viewer.GetAsync($"/api/kubilitics/v1/clusters/{_id}/logs/{ns}/{pod}?tail=-1"), HttpStatusCode.BadRequest);
        Assert.Contains("tail", (string?)badTail["error"]);

        var multi = await PodAsync(ns, "multi", "web", "sidecar");
        var needs = await JsonAsync(await _viewer.GetAsync($"/api/kubilitics/v1/clusters/{_id}/logs/{ns}/{multi}"), HttpStatusCode.BadRequest);
        Assert.Contains("container", (string?)needs["error"]);
        Assert.Contains("web", (string?)needs["error"]);
        Assert.Contains("sidecar", (string?)needs["error"]);
        kubelet.SetPodLog(ns, multi, "from sidecar\n", "sidecar");
        Assert.Equal("from sidecar\n", await _viewer.GetStringAsync($"/api/kubilitics/v1/clusters/{_id}/logs/{ns}/{multi}?container=sidecar"));
        Assert.Equal(HttpStatusCode.NotFound, (await _viewer.GetAsync($"/api/kubilitics/v1/clusters/{_id}/logs/{ns}/nope")).StatusCode);
    }

    [Fact]
    public async Task Follow_websocket_receives_a_line_written_after_it_connected_and_closes_when_the_pod_ends()
    {
        var ns = await _cluster.CreateNamespaceAsync("follow");
        var pod = await PodAsync(ns, "ticker", "ticker");
        _cluster.Emulator!.Kubelet.SetPodLog(ns, pod, "first\n");

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        using var ws = await ConnectAsync(_app, _viewer, $"/api/kubilitics/v1/clusters/{_id}/logs/{ns}/{pod}?follow=true&tail=10", timeout.Token);
        Assert.Equal("first", await ReceiveAsync(ws, timeout.Token));
        _cluster.Emulator.Kubelet.AppendPodLog(ns, pod, "appended after connect\n");
        Assert.Equal("appended after connect", await ReceiveAsync(ws, timeout.Token));

        await _cluster.Client.CoreV1.DeleteNamespacedPodAsync(pod, ns);
        Assert.Null(await ReceiveAsync(ws, timeout.Token));
        Assert.Equal(WebSocketCloseStatus.NormalClosure, ws.CloseStatus);

        // follow=true without an upgrade is refused, naming the field.
        var plain = await JsonAsync(await _viewer.GetAsync($"/api/kubilitics/v1/clusters/{_id}/logs/{ns}/{await PodAsync(ns, "other", "c")}?follow=true"), HttpStatusCode.BadRequest);
        Assert.Contains("follow", (string?)plain["error"]);
    }
}
