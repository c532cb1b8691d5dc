using System.Text;
using Fleet.KubeEmulator;
using k8s;
using k8s.Models;

namespace Fleet.KubeEmulator.Tests;

/// <summary>Logs, exec and metrics: what the emulator's simulated kubelet answers.</summary>
[Collection("emulator")]
[Trait("Category", "Emulator")]
public sealed class PodIoTests(EmulatorFixture fixture)
{
    private Kubernetes Client => fixture.Cluster.Client;
    private KubeEmulatorServer Emulator => fixture.Cluster.Emulator!;

    private async Task<V1Pod> RunningPod(string ns, string name, V1PodSpec? spec = null)
    {
        await Client.CoreV1.CreateNamespacedPodAsync(new V1Pod
        {
            Metadata = new V1ObjectMeta { Name = name, Labels = new Dictionary<string, string> { ["app"] = name } },
            Spec = spec ?? new V1PodSpec { Containers = [new V1Container { Name = "main", Image = "busybox:1.36" }] },
        }, ns);
        return await Eventually.Get(() => Client.CoreV1.ReadNamespacedPodAsync(name, ns), p => p.Status?.Phase == "Running", "pod running");
    }

    [Fact]
    public async Task Pod_logs_honour_tailLines_and_timestamps()
    {
        var ns = await fixture.Cluster.CreateNamespaceAsync();
        await RunningPod(ns, "logger");
        Emulator.Kubelet.SetPodLog(ns, "logger", "line 1\nline 2\nline 3\nline 4\n");
        // Every read from a stream has a deadline: a stuck emulator fails the test instead of hanging the run.
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));

        using (var all = await Client.CoreV1.ReadNamespacedPodLogAsync("logger", ns, cancellationToken: cts.Token))
            Assert.Equal("line 1\nline 2\nline 3\nline 4\n", await new StreamReader(all).ReadToEndAsync(cts.Token));
        using (var tail = await Client.CoreV1.ReadNamespacedPodLogAsync("logger", ns, tailLines: 2, cancellationToken: cts.Token))
            Assert.Equal("line 3\nline 4\n", await new StreamReader(tail).ReadToEndAsync(cts.Token));
        using (var stamped = await Client.CoreV1.ReadNamespacedPodLogAsync("logger", ns, tailLines: 1, timestamps: true, cancellationToken: cts.Token))
        {
            var text = await new StreamReader(stamped).ReadToEndAsync(cts.Token);
            var space = text.IndexOf(' ');
            Assert.True(DateTimeOffset.TryParse(text[..space], out _), text);
            Assert.Equal("line 4\n", text[(space + 1)..]);
        }
    }

    [Fact]
    public async Task Pod_log_follow_streams_appended_lines()
    {
        var ns = await fixture.Cluster.CreateNamespaceAsync();
        await RunningPod(ns, "follower");
        Emulator.Kubelet.SetPodLog(ns, "follower", "start\n");
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        using var stream = await Client.CoreV1.ReadNamespacedPodLogAsync("follower", ns, follow: true, cancellationToken: cts.Token);
        using var reader = new StreamReader(stream);
        Assert.Equal("start", await reader.ReadLineAsync(cts.Token));
        Emulator.Kubelet.AppendPodLog(ns, "follower", "later\n");
        Assert.Equal("later", await reader.ReadLineAsync(cts.Token));
    }

    [Fact]
    public async Task Exec_over_websocket_returns_stdout_and_exit_codes()
    {
        var ns = await fixture.Cluster.CreateNamespaceAsync();
        await RunningPod(ns, "shell");
        Emulator.Kubelet.SetPodFile(ns, "shell", "/etc/motd", "hello from the pod\n");
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));

        var stdout = new StringBuilder();
        var code = await Client.NamespacedPodExecAsync("shell", ns, "main", ["echo", "hi", "there"], false, async (_, output, _) =>
        {
            stdout.Append(await new StreamReader(output).ReadToEndAsync(cts.Token));
        }, cts.Token);
        Assert.Equal(0, code);
        Assert.Equal("hi there\n", stdout.ToString());

        stdout.Clear();
        code = await Client.NamespacedPodExecAsync("shell", ns, "main", ["sh", "-c", "cat /etc/motd && ls /etc"], false, async (_, output, _) =>
        {
            stdout.Append(await new StreamReader(output).ReadToEndAsync(cts.Token));
        }, cts.Token);
        Assert.Equal(0, code);
        Assert.Equal("hello from the pod\nmotd\n", stdout.ToString());

        var stderr = new StringBuilder();
        code = await Client.NamespacedPodExecAsync("shell", ns, "main", ["cat", "/missing"], false, async (_, _, error) =>
        {
            stderr.Append(await new StreamReader(error).ReadToEndAsync(cts.Token));
        }, cts.Token);
        Assert.Equal(1, code);
        Assert.Contains("No such file or directory", stderr.ToString());
    }

    [Theory]
    [InlineData("v4.channel.k8s.io")]
    [InlineData("v5.channel.k8s.io")]
    public async Task Exec_through_WebSocketNamespacedPodExecAsync_speaks_the_channel_protocol(string protocol)
    {
        var ns = await fixture.Cluster.CreateNamespaceAsync();
        await RunningPod(ns, "ws");
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        using var socket = await Client.WebSocketNamespacedPodExecAsync("ws", ns, ["echo", protocol], "main",
            stderr: true, stdin: false, stdout: true, tty: false, webSocketSubProtocol: protocol, cancellationToken: cts.Token);
        Assert.Equal(protocol, socket.SubProtocol);
        using var demux = new StreamDemuxer(socket);
        demux.Start();
        using var output = demux.GetStream(ChannelIndex.StdOut, null);
        using var reader = new StreamReader(output);
        Assert.Equal(protocol, await reader.ReadLineAsync(cts.Token));
    }

    [Fact]
    public async Task An_interactive_shell_runs_stdin_lines_and_exits_with_their_code()
    {
        var ns = await fixture.Cluster.CreateNamespaceAsync();
        await RunningPod(ns, "term");
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        using var socket = await Client.WebSocketNamespacedPodExecAsync("term", ns, ["sh"], "main",
            stderr: true, stdin: true, stdout: true, tty: false, webSocketSubProtocol: "v5.channel.k8s.io", cancellationToken: cts.Token);
        using var demux = new StreamDemuxer(socket);
        demux.Start();
        using var stdin = demux.GetStream(null, ChannelIndex.StdIn);
        using var stdout = new StreamReader(demux.GetStream(ChannelIndex.StdOut, null));
        using var status = new StreamReader(demux.GetStream(ChannelIndex.Error, null));
        await stdin.WriteAsync(Encoding.UTF8.GetBytes("echo one\nhostname\n"), cts.Token);
        await stdin.FlushAsync(cts.Token);
        Assert.Equal("one", await stdout.ReadLineAsync(cts.Token));
        Assert.Equal("term", await stdout.ReadLineAsync(cts.Token));
        await stdin.WriteAsync(Encoding.UTF8.GetBytes("exit 3\n"), cts.Token);
        await stdin.FlushAsync(cts.Token);
        var final = await status.ReadToEndAsync(cts.Token);
        Assert.Contains("NonZeroExitCode", final);
        Assert.Contains("\"message\":\"3\"", final);
    }

    [Fact]
    public async Task Metrics_api_serves_node_and_pod_metrics()
    {
        var ns = await fixture.Cluster.CreateNamespaceAsync();
        await RunningPod(ns, "measured");
        Emulator.Kubelet.SetNodeMetrics("edge-1", "120m", "300Mi");
        Emulator.Kubelet.SetPodMetrics(ns, "measured", "main", "7m", "21Mi");
        var nodes = await Client.GetKubernetesNodesMetricsAsync();
        Assert.Equal("120m", nodes.Items.Single(n => n.Metadata.Name == "edge-1").Usage["cpu"].ToString());
        var pods = await Client.GetKubernetesPodsMetricsByNamespaceAsync(ns);
        var c = pods.Items.Single(p => p.Metadata.Name == "measured").Containers.Single();
        Assert.Equal("7m", c.Usage["cpu"].ToString());
        Assert.Equal("21Mi", c.Usage["memory"].ToString());
    }
}
