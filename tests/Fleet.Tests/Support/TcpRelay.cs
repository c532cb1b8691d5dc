using System.Net;
using System.Net.Sockets;

namespace Fleet.Tests.Support;

/// <summary>
/// Forwards bytes from 127.0.0.1:<see cref="Port"/> to a cluster's host:port, TLS passing through untouched.
/// Stop() is an outage a real cluster can have too (new connections refused, live ones cut); Start() ends it on the same port.
/// </summary>
public sealed class TcpRelay : IAsyncDisposable
{
    private readonly string _scheme;
    private readonly string _host;
    private readonly int _targetPort;
    private readonly HashSet<TcpClient> _live = [];
    private TcpListener? _listener;
    private CancellationTokenSource? _stop;

    public TcpRelay(Uri target)
    {
        _scheme = target.Scheme;
        _host = target.Host;
        _targetPort = target.Port;
    }

    public int Port { get; private set; }

    public string Url => $"{_scheme}://127.0.0.1:{Port}";

    public TcpRelay Start()
    {
        var listener = new TcpListener(IPAddress.Loopback, Port);
        listener.Server.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        listener.Start();
        Port = ((IPEndPoint)listener.LocalEndpoint).Port;
        _listener = listener;
        _stop = new CancellationTokenSource();
        _ = AcceptAsync(listener, _stop.Token);
        return this;
    }

    public void Stop()
    {
        _stop?.Cancel();
        _listener?.Stop();
        _listener = null;
        lock (_live)
        {
            foreach (var c in _live) c.Dispose();
            _live.Clear();
        }
    }

    private async Task AcceptAsync(TcpListener listener, CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            TcpClient inbound;
            try { inbound = await listener.AcceptTcpClientAsync(ct); }
            catch (Exception) { return; }
            _ = PumpAsync(inbound, ct);
        }
    }

    private async Task PumpAsync(TcpClient inbound, CancellationToken ct)
    {
        var outbound = new TcpClient();
        Track(inbound, outbound);
        try
        {
            await outbound.ConnectAsync(_host, _targetPort, ct);
            using var a = inbound.GetStream();
            using var b = outbound.GetStream();
            // Either side closing ends the pair.
            await Task.WhenAny(a.CopyToAsync(b, ct), b.CopyToAsync(a, ct));
        }
        catch (Exception) { }
        finally
        {
            lock (_live) { _live.Remove(inbound); _live.Remove(outbound); }
            inbound.Dispose();
            outbound.Dispose();
        }
    }

    private void Track(params TcpClient[] clients)
    {
        lock (_live) foreach (var c in clients) _live.Add(c);
    }

    public ValueTask DisposeAsync()
    {
        Stop();
        return ValueTask.CompletedTask;
    }
}
