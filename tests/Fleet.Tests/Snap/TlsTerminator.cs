using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;

namespace Fleet.Tests.Snap;

/// <summary>
/// What an ingress in front of Fleet does with a SnapHook's Secret: listens on 127.0.0.1 with TLS, presenting the
/// hook's serving certificate (set once the hook exists), and passes the decrypted bytes to the Fleet host.
/// Every connection lives at most 30 seconds.
/// </summary>
public sealed class TlsTerminator : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly Uri _backend;
    private readonly CancellationTokenSource _stop = new();
    private int _handshakes;

    private TlsTerminator(Uri backend)
    {
        _backend = backend;
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _ = AcceptAsync();
    }

    public static TlsTerminator Start(Uri backend) => new(backend);

    public int Port { get; }

    /// <summary>The serving certificate with its key; connections before it is set are closed.</summary>
    public X509Certificate2? Certificate { get; set; }

    /// <summary>TLS handshakes completed (the API server reached the webhook this many times).</summary>
    public int Handshakes => Volatile.Read(ref _handshakes);

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try { client = await _listener.AcceptTcpClientAsync(_stop.Token); }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException) { return; }
            _ = ServeAsync(client);
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using var _ = client;
        var certificate = Certificate;
        if (certificate is null) return;
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
        cts.CancelAfter(TimeSpan.FromSeconds(30));
        try
        {
            await using var tls = new SslStream(client.GetStream());
            await tls.AuthenticateAsServerAsync(new SslServerAuthenticationOptions
            {
                ServerCertificate = certificate, ApplicationProtocols = [SslApplicationProtocol.Http11],
            }, cts.Token);
            Interlocked.Increment(ref _handshakes);
            using var backend = new TcpClient();
            await backend.ConnectAsync(_backend.Host, _backend.Port, cts.Token);
            var plain = backend.GetStream();
            await Task.WhenAny(tls.CopyToAsync(plain, cts.Token), plain.CopyToAsync(tls, cts.Token));
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or SocketException or System.Security.Authentication.AuthenticationException) { }
    }

    public ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _listener.Stop();
        _stop.Dispose();
        return ValueTask.CompletedTask;
    }
}
