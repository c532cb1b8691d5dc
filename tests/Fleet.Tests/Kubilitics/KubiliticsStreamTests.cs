using System.Net;
using System.Text.Json.Nodes;
using Fleet.Core.Kubilitics;
using Fleet.Functions.Platform.Auth;
using Fleet.Tests.Support;
using k8s;
using k8s.Models;
using Microsoft.Extensions.DependencyInjection;
using static Fleet.Tests.Kubilitics.KubiliticsTestKit;

namespace Fleet.Tests.Kubilitics;

/// <summary>Pod exec over WebSocket and ws/resources, against the test cluster.</summary>
[Trait("Category", "Kubernetes")]
public sealed class KubiliticsStreamTests : IAsyncLifetime
{
    private TestCluster _cluster = null!;
    private FleetApp _app = null!;
    private HttpClient _admin = null!;
    private HttpClient _operator = null!;
    private HttpClient _viewer = null!;
    private string _id = null!;

    public async Task InitializeAsync()
    {
        _cluster = await TestCluster.CreateAsync();
        _app = await FleetApp.StartAsync(new Dictionary<string, string?> { ["RateLimits__Scale"] = "100" });
        _admin = await _app.LoginAsync(FleetRole.Admin);
        _operator = await _app.LoginAsync(FleetRole.Operator);
        _viewer = await _app.LoginAsync(FleetRole.Viewer);
        _id = await RegisterAsync(_admin, _cluster);
    }

    public async Task DisposeAsync()
    {
        await _app.DisposeAsync();
        await _cluster.DisposeAsync();
    }

    internal static async Task<V1Pod> RunningPodAsync(TestCluster cluster, string ns, string name, CancellationToken ct)
    {
        await cluster.Client.CoreV1.CreateNamespacedPodAsync(new V1Pod
        {
            Metadata = new V1ObjectMeta { Name = name },
            Spec = new V1PodSpec { Containers = [new V1Container { Name = "main", Image = "busybox", Command = ["sleep", "3600"] }] },
        }, ns, cancellationToken: ct);
        while (true)
        {
            var pod = await cluster.Client.CoreV1.ReadNamespacedPodAsync(name, ns, cancellationToken: ct);
            if (pod.Status?.Phase == "Running") return pod;
            await Task.Delay(200, ct);
        }
    }

    [Fact]
    public async Task A_pod_exec_session_echoes_stdin_through_cat_and_is_audited()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var ns = await _cluster.CreateNamespaceAsync("ex");
        await RunningPodAsync(_cluster, ns, "shell-pod", timeout.Token);

        using (var ws = await ConnectAsync(_app, _operator, $"/api/kubilitics/v1/clusters/{_id}/pods/{ns}/shell-pod/exec?command=cat", timeout.Token))
        {
            await SendAsync(ws, """{"type":"resize","cols":120,"rows":40}""", timeout.Token);
            await SendAsync(ws, """{"type":"stdin","data":"hello through cat\n"}""", timeout.Token);
            var echoed = "";
            while (!echoed.Contains("hello through cat\n"))
            {
                var m = JsonNode.Parse((await ReceiveAsync(ws, timeout.Token))!)!;
                Assert.Equal("stdout", (string?)m["type"]);
                echoed += (string?)m["data"];
            }
            await SendAsync(ws, """{"type":"stdin","data":"second line\n"}""", timeout.Token);
            Assert.Equal("second line\n", (string?)JsonNode.Parse((await ReceiveAsync(ws, timeout.Token))!)!["data"]);
            await ws.CloseAsync(System.Net.WebSockets.WebSocketCloseStatus.NormalClosure, "bye", timeout.Token);
        }

        // A command that ends: its output, its exit code, then the server closes.
        using (var ws = await ConnectAsync(_app, _operator, $"/api/kubilitics/v1/clusters/{_id}/pods/{ns}/shell-pod/exec?command={Uri.EscapeDataString("echo 'a b'")}", timeout.Token))
        {
            var messages = new List<JsonNode>();
            while (await ReceiveAsync(ws, timeout.Token) is { } text) messages.Add(JsonNode.Parse(text)!);
            Assert.Equal("a b\n", string.Concat(messages.Where(m => (string?)m["type"] == "stdout").Select(m => (string?)m["data"])));
            var exit = messages.Last();
            Assert.Equal("exit", (string?)exit["type"]);
            Assert.Equal(0, (int?)exit["code"]);
        }

        var audit = (await JsonAsync(await _admin.GetAsync($"/api/kubilitics/v1/audit-log?cluster_id={_id}&action=pod_exec"), HttpStatusCode.OK)).AsArray();
        Assert.Equal(2, audit.Count);
        Assert.All(audit, e =>
        {
            Assert.Equal("shell-pod", (string?)e!["resource_name"]);
            Assert.Equal(ns, (string?)e["resource_namespace"]);
            Assert.StartsWith("t-operator-", (string?)e["username"]);
        });
        Assert.Contains(audit, e => ((string?)e!["details"])!.Contains("cat"));

        // A viewer may not exec; an unknown pod is a 404 before any upgrade.
        Assert.Equal(HttpStatusCode.Forbidden, (await _viewer.GetAsync($"/api/kubilitics/v1/clusters/{_id}/pods/{ns}/shell-pod/exec")).StatusCode);
        using var noUpgrade = await _operator.GetAsync($"/api/kubilitics/v1/clusters/{_id}/pods/{ns}/shell-pod/exec");
        Assert.Equal(HttpStatusCode.BadRequest, noUpgrade.StatusCode);
        await Assert.ThrowsAsync<System.Net.WebSockets.WebSocketException>(() =>
            ConnectAsync(_app, _operator, $"/api/kubilitics/v1/clusters/{_id}/pods/{ns}/missing/exec", timeout.Token));
    }

    [Fact]
    public async Task Resource_stream_reports_a_pod_added_labelled_and_deleted_and_clients_share_watches()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var ns = await _cluster.CreateNamespaceAsync("ws");
        using var first = await ConnectAsync(_app, _viewer, $"/api/kubilitics/ws/resources?cluster_id={_id}&namespace={ns}", timeout.Token);
        using var second = await ConnectAsync(_app, _operator, $"/api/kubilitics/ws/resources?cluster_id={_id}&namespace={ns}", timeout.Token);
        Assert.Equal("CONNECTED", (string?)JsonNode.Parse((await ReceiveAsync(first, timeout.Token))!)!["type"]);
        Assert.Equal("CONNECTED", (string?)JsonNode.Parse((await ReceiveAsync(second, timeout.Token))!)!["type"]);
        Assert.Equal(1, _app.Services.GetRequiredService<ResourceWatchHub>().ActiveGroups);

        await RunningPodAsync(_cluster, ns, "nginx-abc", timeout.Token);
        await _cluster.Client.CoreV1.PatchNamespacedPodAsync(new V1Patch("""{"metadata":{"labels":{"tier":"web"}}}""", V1Patch.PatchType.MergePatch), "nginx-abc", ns, cancellationToken: timeout.Token);
        await _cluster.Client.CoreV1.DeleteNamespacedPodAsync("nginx-abc", ns, gracePeriodSeconds: 0, cancellationToken: timeout.Token);

        foreach (var ws in new[] { first, second })
        {
            var events = await PodEventsUntilDeletedAsync(ws, "nginx-abc", timeout.Token);
            Assert.Equal("RESOURCE_ADDED", (string?)events[0]["type"]);
            Assert.Equal("RESOURCE_DELETED", (string?)events[^1]["type"]);
            Assert.Contains(events, e => (string?)e["type"] == "RESOURCE_UPDATED" && (string?)e["resource"]!["data"]!["metadata"]!["labels"]?["tier"] == "web");
            var added = events[0];
            Assert.Equal(_id, (string?)added["cluster_id"]);
            Assert.Equal("Pod", (string?)added["resource"]!["kind"]);
            Assert.Equal(ns, (string?)added["resource"]!["namespace"]);
            Assert.Equal("nginx-abc", (string?)added["resource"]!["data"]!["metadata"]!["name"]);
            Assert.True(DateTimeOffset.TryParse((string?)added["timestamp"], out _));
        }

        Assert.Equal(HttpStatusCode.BadRequest, (await _viewer.GetAsync("/api/kubilitics/ws/resources")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _viewer.GetAsync($"/api/kubilitics/ws/resources?cluster_id={Guid.NewGuid()}")).StatusCode);
    }

    /// <summary>The pod's messages (other kinds skipped) up to and including its RESOURCE_DELETED.</summary>
    internal static async Task<List<JsonNode>> PodEventsUntilDeletedAsync(System.Net.WebSockets.WebSocket ws, string pod, CancellationToken ct)
    {
        var events = new List<JsonNode>();
        while (true)
        {
            var text = await ReceiveAsync(ws, ct) ?? throw new InvalidOperationException("the stream closed");
            var m = JsonNode.Parse(text)!;
            if ((string?)m["resource"]?["kind"] != "Pod" || (string?)m["resource"]?["name"] != pod) continue;
            events.Add(m);
            if ((string?)m["type"] == "RESOURCE_DELETED") return events;
        }
    }
}

/// <summary>ws/resources across watches the API server breaks, and across a compacted history (410 Gone).</summary>
[Trait("Category", "Emulator")]
public sealed class KubiliticsWatchResumeTests : IAsyncLifetime
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

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_watch_broken_by_the_server_resumes_without_losing_the_deleted(bool compacted)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var ns = await _cluster.CreateNamespaceAsync("rs");
        using var ws = await ConnectAsync(_app, _viewer, $"/api/kubilitics/ws/resources?cluster_id={_id}&namespace={ns}", timeout.Token);
        Assert.Equal("CONNECTED", (string?)JsonNode.Parse((await ReceiveAsync(ws, timeout.Token))!)!["type"]);
        await KubiliticsStreamTests.RunningPodAsync(_cluster, ns, "victim", timeout.Token);
        while (true)
        {
            var m = JsonNode.Parse((await ReceiveAsync(ws, timeout.Token))!)!;
            if ((string?)m["resource"]?["name"] == "victim") break;
        }

        // The server drops every watch; the pod is deleted before the hub watches again. With compaction the
        // resume answers 410 Gone and the hub must list again to notice the pod is gone.
        if (compacted) _cluster.Emulator!.Store.Compact();
        Assert.True(_cluster.Emulator!.BreakWatches() > 0);
        await _cluster.Client.CoreV1.DeleteNamespacedPodAsync("victim", ns, cancellationToken: timeout.Token);
        if (compacted) _cluster.Emulator.Store.Compact();

        var events = await KubiliticsStreamTests.PodEventsUntilDeletedAsync(ws, "victim", timeout.Token);
        Assert.Equal("RESOURCE_DELETED", (string?)events[^1]["type"]);
        Assert.Equal("victim", (string?)events[^1]["resource"]!["data"]!["metadata"]!["name"]);
    }
}
