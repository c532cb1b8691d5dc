using System.Net.WebSockets;
using System.Text;
using Fleet.Core.Kubernetes;
using Fleet.Core.Kubilitics.Shell;
using Fleet.Core.Platform.Errors;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace Fleet.Core.Kubilitics;

/// <summary>
/// An exec session on a pod: the API server's exec subresource over WebSocket (channel protocol v5, else v4,
/// through KubernetesClient), demultiplexed into stdin, stdout, stderr, the error (exit status) channel and resize.
/// </summary>
public sealed class PodExecSession : IAsyncDisposable
{
    private readonly IKubernetes _client;
    private readonly WebSocket _socket;
    private readonly StreamDemuxer _demuxer;

    internal PodExecSession(IKubernetes client, WebSocket socket, string container, IReadOnlyList<string> command)
    {
        _client = client;
        _socket = socket;
        Container = container;
        Command = command;
        _demuxer = new StreamDemuxer(socket, StreamType.RemoteCommand, ownsSocket: false,
            supportsClose: socket.SubProtocol?.StartsWith("v5.", StringComparison.Ordinal) == true);
        _demuxer.Start();
        Stdin = _demuxer.GetStream(null, ChannelIndex.StdIn);
        Stdout = _demuxer.GetStream(ChannelIndex.StdOut, null);
        Stderr = _demuxer.GetStream(ChannelIndex.StdErr, null);
        Error = _demuxer.GetStream(ChannelIndex.Error, null);
        Resize = _demuxer.GetStream(null, ChannelIndex.Resize);
    }

    public string Container { get; }
    public IReadOnlyList<string> Command { get; }
    public Stream Stdin { get; }
    public Stream Stdout { get; }
    public Stream Stderr { get; }
    public Stream Error { get; }
    public Stream Resize { get; }

    /// <summary>Tells the kubelet the terminal's size (channel 4).</summary>
    public Task ResizeAsync(int cols, int rows, CancellationToken ct) =>
        Resize.WriteAsync(Encoding.UTF8.GetBytes($"{{\"Width\":{cols},\"Height\":{rows}}}"), ct).AsTask();

    /// <summary>The exit code from the error channel's final Status (0 on Success), read when the session ends.</summary>
    public async Task<int?> ExitCodeAsync(CancellationToken ct)
    {
        using var reader = new StreamReader(Error, Encoding.UTF8);
        var text = await reader.ReadToEndAsync(ct);
        if (string.IsNullOrWhiteSpace(text)) return null;
        try
        {
            var status = KubernetesJson.Deserialize<V1Status>(text);
            if (status.Status == "Success") return 0;
            var code = status.Details?.Causes?.FirstOrDefault(c => c.Reason == "ExitCode")?.Message;
            return int.TryParse(code, out var n) ? n : 1;
        }
        catch (System.Text.Json.JsonException)
        {
            return null;
        }
    }

    private int _disposed;

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1) return;
        _demuxer.Dispose();
        if (_socket.State == WebSocketState.Open)
        {
            try
            {
                using var t = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                await _socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", t.Token);
            }
            catch (Exception e) when (e is WebSocketException or OperationCanceledException) { }
        }
        _socket.Dispose();
        _client.Dispose();
    }
}

/// <summary>Opens <see cref="PodExecSession"/>s after checking the pod and container exist.</summary>
public sealed class PodExec(ClusterRegistry registry)
{
    public async Task<PodExecSession> OpenAsync(string clusterId, string ns, string pod, string? container, string? command, CancellationToken ct)
    {
        KubeNames.Check(ns, "namespace");
        KubeNames.Check(pod, "name");
        var argv = string.IsNullOrWhiteSpace(command) ? ["/bin/sh"] : KubectlCommandParser.Tokenize(command, "command").ToList();
        if (argv.Count == 0) throw FleetException.Validation("command", "Field 'command' has no program");
        var p = await registry.RunAsync(clusterId, (k, t) => k.CoreV1.ReadNamespacedPodAsync(pod, ns, cancellationToken: t), ct);
        var names = p.Spec.Containers.Select(c => c.Name).ToList();
        var chosen = string.IsNullOrEmpty(container) ? names[0] : container;
        if (!names.Contains(chosen))
            throw FleetException.Validation("container", $"container '{container}' is not in pod '{pod}' (it has: {string.Join(", ", names)})");
        if (p.Status?.Phase is "Succeeded" or "Failed")
            throw FleetException.Validation("name", $"pod '{pod}' has ended ({p.Status.Phase}); exec needs a running container");

        var client = await registry.StreamingClientAsync(clusterId, ct);
        try
        {
            var socket = await client.WebSocketNamespacedPodExecAsync(pod, ns, argv, chosen, stderr: true, stdin: true, stdout: true, tty: false,
                webSocketSubProtocol: WebSocketProtocol.V5BinaryWebsocketProtocol, cancellationToken: ct);
            return new PodExecSession(client, socket, chosen, argv);
        }
        catch (HttpOperationException e)
        {
            client.Dispose();
            throw ClusterCalls.Translate(e);
        }
        catch (WebSocketException e)
        {
            client.Dispose();
            throw new FleetException(FleetErrorKind.UpstreamUnreachable, $"exec on pod '{pod}' could not be opened: {e.Message}");
        }
        catch
        {
            client.Dispose();
            throw;
        }
    }
}
