using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Fleet.Functions.Platform.Auth;
using Fleet.Tests.Support;
using k8s;
using k8s.Models;
using static Fleet.Tests.Kubilitics.KubiliticsTestKit;

namespace Fleet.Tests.Kubilitics;

/// <summary>POST shell / kcli exec through the real kubectl, completion, status, and a shell stream session.</summary>
[Trait("Category", "Kubernetes")]
[Collection(KubiliticsCollection.Name)]
public sealed class KubiliticsShellTests(KubiliticsClusterFixture f)
{
    private TestCluster _cluster => f.Cluster;
    private FleetApp _app => f.App;
    private HttpClient _admin => f.Admin;
    private HttpClient _operator => f.Operator;
    private HttpClient _viewer => f.Viewer;
    private string _id => f.ClusterId;

    private async Task PodAsync(string ns, string name) =>
        await _cluster.Client.CoreV1.CreateNamespacedPodAsync(new V1Pod
        {
            Metadata = new V1ObjectMeta { Name = name },
            Spec = new V1PodSpec { Containers = [new V1Container { Name = "c", Image = "busybox" }] },
        }, ns);

    private Task<HttpResponseMessage> Shell(HttpClient client, string command, string? ns = null, string path = "shell") =>
        client.PostAsJsonAsync($"/api/kubilitics/v1/clusters/{_id}/{path}", new { command, @namespace = ns });

    [Fact]
    public async Task Get_pods_gives_kubectls_table_and_shell_syntax_never_reaches_a_shell()
    {
        var ns = await _cluster.CreateNamespaceAsync("sh");
        await PodAsync(ns, "nginx-pod");

        var r = await JsonAsync(await Shell(_operator, "get pods", ns), HttpStatusCode.OK);
        Assert.Equal(0, (int)r["exit_code"]!);
        var stdout = (string)r["stdout"]!;
        Assert.Matches(@"^NAME\s+READY\s+STATUS", stdout);
        Assert.Contains("nginx-pod", stdout);
        Assert.Equal("", (string?)r["stderr"]);

        // kcli exec is the same engine; a leading "kubectl"/"kcli" is accepted.
        var k = await JsonAsync(await Shell(_operator, "kcli get pods -o name", ns, "kcli/exec"), HttpStatusCode.OK);
        Assert.Equal("pod/nginx-pod\n", (string?)k["stdout"]);

        // Shell operators and substitutions are refused before anything runs...
        foreach (var bad in new[] { "get pods; rm -rf /", "get pods $(id)", "get pods | sh", "get pods `id`", "get pods && id", "get pods > /tmp/x" })
        {
            var e = await JsonAsync(await Shell(_operator, bad, ns), HttpStatusCode.BadRequest);
            Assert.Contains("shell", (string?)e["error"]);
        }
        // ...and quoted they are passed to kubectl literally: no substitution happened.
        var literal = await JsonAsync(await Shell(_operator, "get pods '$(id)'", ns), HttpStatusCode.OK);
        Assert.NotEqual(0, (int)literal["exit_code"]!);
        Assert.Contains("$(id)", (string?)literal["stderr"]);
        Assert.DoesNotContain("uid=", (string?)literal["stdout"] + (string?)literal["stderr"]);

        // Verbs outside the allow-list, and flags that change credentials or read local files.
        foreach (var bad in new[] { "config view", "exec nginx-pod -- id", "proxy", "get pods --kubeconfig=/etc/passwd", "apply -f /etc/passwd", "get pods --token=abc" })
            Assert.Equal(HttpStatusCode.BadRequest, (await Shell(_operator, bad, ns)).StatusCode);
        Assert.Contains("command", (string?)(await JsonAsync(await Shell(_operator, "", ns), HttpStatusCode.BadRequest))["error"]);
    }

    [Fact]
    public async Task A_viewer_may_read_but_cannot_delete_and_every_command_is_audited()
    {
        var ns = await _cluster.CreateNamespaceAsync("rb");
        await PodAsync(ns, "keep-me");

        var read = await JsonAsync(await Shell(_viewer, "get pods", ns), HttpStatusCode.OK);
        Assert.Contains("keep-me", (string?)read["stdout"]);
        var denied = await JsonAsync(await Shell(_viewer, "delete pod keep-me", ns), HttpStatusCode.Forbidden);
        Assert.Contains("operator", (string?)denied["error"]);
        Assert.NotNull(await TestCluster.JsonOrNullAsync(() => _cluster.Client.CoreV1.ReadNamespacedPodAsync("keep-me", ns)));

        var deleted = await JsonAsync(await Shell(_operator, "delete pod keep-me --wait=false", ns), HttpStatusCode.OK);
        Assert.Equal(0, (int)deleted["exit_code"]!);
        Assert.Contains("deleted", (string?)deleted["stdout"]);
        using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (await TestCluster.JsonOrNullAsync(() => _cluster.Client.CoreV1.ReadNamespacedPodAsync("keep-me", ns)) is not null)
            await Task.Delay(200, wait.Token);

        var audit = (await JsonAsync(await _admin.GetAsync($"/api/kubilitics/v1/audit-log?cluster_id={_id}&action=shell"), HttpStatusCode.OK)).AsArray();
        Assert.Contains(audit, e => (int)e!["status_code"]! == 403 && ((string?)e["details"])!.Contains("delete pod keep-me") && (string?)e["resource_namespace"] == ns);
        Assert.Contains(audit, e => (int)e!["status_code"]! == 200 && ((string?)e["details"])!.Contains("delete pod keep-me --wait=false"));
    }

    [Fact]
    public async Task Completion_offers_kinds_and_names_and_status_reports_the_context()
    {
        var ns = await _cluster.CreateNamespaceAsync("cp");
        await PodAsync(ns, "alpha");
        await PodAsync(ns, "beta");

        async Task<string[]> Complete(string command, int? position = null, string path = "shell/complete")
        {
            var url = $"/api/kubilitics/v1/clusters/{_id}/{path}?namespace={ns}&command={Uri.EscapeDataString(command)}" + (position is null ? "" : $"&position={position}");
            return (await JsonAsync(await _viewer.GetAsync(url), HttpStatusCode.OK))["completions"]!.AsArray().Select(x => (string)x!).ToArray();
        }

        Assert.Contains("pods", await Complete("get po"));
        Assert.DoesNotContain("deployments", await Complete("get po"));
        Assert.Equal(["alpha", "beta"], await Complete("get pods "));
        Assert.Equal(["beta"], await Complete("get pods b"));
        Assert.Contains("describe", await Complete("de"));
        Assert.Contains("delete", await Complete("de"));
        // The cursor position decides what is completed: here the verb, not the name.
        Assert.Contains("get", await Complete("ge pods alpha", 2));
        Assert.Contains("--namespace", await Complete("get pods --na"));
        Assert.Contains("pods", await Complete("kcli get po", path: "kcli/complete"));
        Assert.Equal(HttpStatusCode.BadRequest, (await _viewer.GetAsync($"/api/kubilitics/v1/clusters/{_id}/shell/complete?command=get&position=99")).StatusCode);

        var status = await JsonAsync(await _viewer.GetAsync($"/api/kubilitics/v1/clusters/{_id}/shell/status"), HttpStatusCode.OK);
        var cluster = await JsonAsync(await _viewer.GetAsync($"/api/kubilitics/v1/clusters/{_id}"), HttpStatusCode.OK);
        Assert.Equal((string?)cluster["context"], (string?)status["context"]);
        Assert.False(string.IsNullOrEmpty((string?)status["namespace"]));
        Assert.Contains("exec", status["capabilities"]!.AsArray().Select(x => (string)x!));

        var tui = await JsonAsync(await _viewer.GetAsync($"/api/kubilitics/v1/clusters/{_id}/kcli/tui/state?namespace={ns}"), HttpStatusCode.OK);
        Assert.Equal(ns, (string?)tui["state"]!["namespace"]);
        Assert.Contains(ns, tui["state"]!["namespaces"]!.AsArray().Select(x => (string)x!));
        Assert.Contains("pods", tui["state"]!["resource_kinds"]!.AsArray().Select(x => (string)x!));
    }

    [Fact]
    public async Task A_shell_stream_session_runs_two_commands_and_keeps_the_namespace()
    {
        var first = await _cluster.CreateNamespaceAsync("s1");
        var second = await _cluster.CreateNamespaceAsync("s2");
        await PodAsync(first, "one");
        await PodAsync(second, "two");

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        using var ws = await ConnectAsync(_app, _operator, $"/api/kubilitics/v1/clusters/{_id}/shell/stream?namespace={first}", timeout.Token);
        var ready = JsonNode.Parse((await ReceiveAsync(ws, timeout.Token))!)!;
        Assert.Equal("ready", (string?)ready["type"]);
        Assert.Equal(first, (string?)ready["namespace"]);

        await SendAsync(ws, "get pods -o name", timeout.Token);
        var out1 = JsonNode.Parse((await ReceiveAsync(ws, timeout.Token))!)!;
        Assert.Equal("output", (string?)out1["type"]);
        Assert.Equal("pod/one\n", (string?)out1["stdout"]);

        await SendAsync(ws, $"namespace {second}", timeout.Token);
        Assert.Equal(second, (string?)JsonNode.Parse((await ReceiveAsync(ws, timeout.Token))!)!["namespace"]);

        await SendAsync(ws, "get pods -o name", timeout.Token);
        var out2 = JsonNode.Parse((await ReceiveAsync(ws, timeout.Token))!)!;
        Assert.Equal("pod/two\n", (string?)out2["stdout"]);
        Assert.Equal(second, (string?)out2["namespace"]);

        await SendAsync(ws, "get pods; id", timeout.Token);
        Assert.Equal("error", (string?)JsonNode.Parse((await ReceiveAsync(ws, timeout.Token))!)!["type"]);

        await SendAsync(ws, "exit", timeout.Token);
        Assert.Null(await ReceiveAsync(ws, timeout.Token));

        // A viewer may not open a session.
        Assert.Equal(HttpStatusCode.Forbidden, (await _viewer.GetAsync($"/api/kubilitics/v1/clusters/{_id}/shell/stream")).StatusCode);
    }
}
