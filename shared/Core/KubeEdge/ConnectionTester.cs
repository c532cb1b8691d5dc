using System.Diagnostics;
using System.Net.Sockets;
using Fleet.Core.Platform.Errors;
using k8s;

namespace Fleet.Core.KubeEdge;

public sealed record ConnectionResult(bool Reachable, string Target, long LatencyMs, string Latency, bool? NodeReady, string? NodeAddress);

/// <summary>
/// Edge reachability: a node's Ready condition from the cluster and/or a TCP connect to host:port within a timeout.
/// Unreachable is 502 (API-008), as the seed's "Edge unreachable".
/// </summary>
public sealed class ConnectionTester(KubeEdgeScope scope)
{
    public async Task<ConnectionResult> TestAsync(string? nodeName, string? host, int? port, int? timeoutMs, CancellationToken ct)
    {
        var timeout = TimeSpan.FromMilliseconds(KubeEdgeValidation.Range(timeoutMs ?? 3000, 100, 30000, "timeout_ms"));
        if (port is not null) KubeEdgeValidation.Range(port.Value, 1, 65535, "port");
        if (nodeName is null && host is null) throw FleetException.Validation("node_name", "give node_name or host (with port)");
        bool? ready = null;
        string? address = null;
        if (nodeName is not null)
        {
            KubeEdgeValidation.Label(nodeName, "node_name");
            var node = await scope.ExecuteAsync(async (k, t) =>
            {
                try { return await k.CoreV1.ReadNodeAsync(nodeName, cancellationToken: t); }
                catch (Exception e) when (KubeEdgeScope.IsStatus(e, 404)) { return null; }
            }, ct) ?? throw FleetException.NotFound($"node '{nodeName}' not found");
            ready = node.Status?.Conditions?.Any(c => c.Type == "Ready" && c.Status == "True") == true;
            address = node.Status?.Addresses?.FirstOrDefault(a => a.Type == "InternalIP")?.Address;
            if (!ready.Value) throw new FleetException(FleetErrorKind.UpstreamUnreachable, $"edge node '{nodeName}' is not Ready");
            host ??= port is null ? null : address;
        }
        else KubeEdgeValidation.Host(host, "host");

        if (host is null) return new ConnectionResult(true, nodeName!, 0, "0ms", ready, address);
        if (port is null) throw FleetException.Validation("port", "port is required with host");
        var target = $"{host}:{port}";
        var sw = Stopwatch.StartNew();
        using var client = new TcpClient();
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        cts.CancelAfter(timeout);
        try
        {
            await client.ConnectAsync(host, port.Value, cts.Token);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new FleetException(FleetErrorKind.UpstreamUnreachable, $"{target} did not answer within {timeout.TotalMilliseconds}ms");
        }
        catch (SocketException e)
        {
            throw new FleetException(FleetErrorKind.UpstreamUnreachable, $"{target} is unreachable: {e.SocketErrorCode}");
        }
        var ms = sw.ElapsedMilliseconds;
        return new ConnectionResult(true, target, ms, $"{ms}ms", ready, address);
    }
}
