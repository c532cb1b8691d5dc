using System.Net;
using System.Security.Cryptography;
using Fleet.KubeEmulator.Api;
using Fleet.KubeEmulator.Controllers;
using Fleet.KubeEmulator.Discovery;
using Fleet.KubeEmulator.Kubelet;
using Fleet.KubeEmulator.Store;
using Fleet.KubeEmulator.Tls;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Fleet.KubeEmulator;

/// <summary>
/// A Kubernetes API server stand-in on 127.0.0.1 speaking the real REST shapes, for KubernetesClient and kubectl.
/// Start it with <see cref="StartAsync"/>, seed it through <see cref="Store"/> and <see cref="Kubelet"/>.
/// </summary>
public sealed class KubeEmulatorServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ControllerLoop? _controllers;

    private KubeEmulatorServer(WebApplication app, EmulatorState state, ControllerLoop? controllers, string baseUrl, EmulatorCertificates? certificates)
    {
        _app = app;
        Certificates = certificates;
        State = state;
        _controllers = controllers;
        BaseUrl = baseUrl;
    }

    /// <summary>The CA and serving certificate when serving HTTPS (the default); null over plain HTTP.</summary>
    public EmulatorCertificates? Certificates { get; }

    /// <summary>PEM of the CA that signed the serving certificate (what kubeconfig's certificate-authority-data holds).</summary>
    public string? CaCertificatePem => Certificates?.CaPem;

    /// <summary>e.g. https://127.0.0.1:41234 (no trailing slash).</summary>
    public string BaseUrl { get; }

    /// <summary>The bearer token every request except /version and health checks must carry.</summary>
    public string Token => State.Options.Token!;

    /// <summary>The API objects: put/get/list/delete raw JSON by apiVersion and kind.</summary>
    public ObjectStore Store => State.Store;

    /// <summary>Pod logs, pod files, node file systems, kubelet feature gates and metrics.</summary>
    public KubeletSimulator Kubelet => State.Kubelet;

    public ResourceRegistry Registry => State.Registry;

    /// <summary>
    /// Ends every open watch stream (as an API server restart or a load balancer's idle cut does); clients must
    /// watch again from the last resourceVersion they saw. Controllers' own watches are not affected.
    /// </summary>
    public int BreakWatches() => State.WatchStreams.BreakAll();

    internal EmulatorState State { get; }

    public static async Task<KubeEmulatorServer> StartAsync(KubeEmulatorOptions? options = null, CancellationToken ct = default)
    {
        options ??= new KubeEmulatorOptions();
        options.Token ??= Convert.ToHexString(RandomNumberGenerator.GetBytes(24)).ToLowerInvariant();
        var registry = new ResourceRegistry();
        if (!options.MetricsServer) registry.RemoveGroup("metrics.k8s.io");
        var store = new ObjectStore(registry);
        var kubelet = new KubeletSimulator(options.CheckpointFixturePath ?? FindCheckpointFixture());
        var state = new EmulatorState(options, registry, store, kubelet);
        if (options.Seed) SeedData.Apply(state);

        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            Args = [], ContentRootPath = AppContext.BaseDirectory, ApplicationName = typeof(KubeEmulatorServer).Assembly.GetName().Name,
        });
        builder.Logging.ClearProviders();
        // No console lifetime: in a test process it would swallow SIGTERM/SIGINT; Program.cs handles signals itself.
        builder.Services.AddSingleton<Microsoft.Extensions.Hosting.IHostLifetime, PassiveHostLifetime>();
        var certificates = options.UseHttps ? EmulatorCertificates.Create() : null;
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, options.Port, listen =>
        {
            if (certificates is not null) listen.UseHttps(certificates.Server);
        }));
        var app = builder.Build();
        string? baseUrl = null;
        var router = new ApiRouter(state, () => new Uri(baseUrl!).Authority);
        app.UseWebSockets();
        app.Run(router.Handle);
        await app.StartAsync(ct);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        baseUrl = address.Replace("[::1]", "127.0.0.1").TrimEnd('/');
        ControllerLoop? controllers = null;
        if (options.RunControllers) controllers = ControllerLoop.Start(state);
        return new KubeEmulatorServer(app, state, controllers, baseUrl, certificates);
    }

    /// <summary>A kubeconfig with one cluster, user (bearer token) and context, current-context set.</summary>
    public string KubeconfigYaml(string contextName = "emulator") =>
        $$"""
        apiVersion: v1
        kind: Config
        clusters:
        - name: {{contextName}}
          cluster:
            server: {{BaseUrl}}{{CaLine()}}
        users:
        - name: {{contextName}}
          user:
            token: {{Token}}
        contexts:
        - name: {{contextName}}
          context:
            cluster: {{contextName}}
            user: {{contextName}}
            namespace: default
        current-context: {{contextName}}
        preferences: {}

        """;

    private string CaLine() => Certificates is null
        ? ""
        : $"\n    certificate-authority-data: {Convert.ToBase64String(Encoding.ASCII.GetBytes(Certificates.CaPem))}";

    /// <summary>
    /// An HttpClient for raw calls: BaseAddress is the server, the bearer token is set, and only the
    /// emulator's CA is trusted. The caller disposes it.
    /// </summary>
    public HttpClient CreateHttpClient()
    {
        var handler = new HttpClientHandler();
        if (Certificates is { } certs)
        {
            handler.ServerCertificateCustomValidationCallback = (_, cert, _, _) =>
            {
                if (cert is null) return false;
                using var chain = new System.Security.Cryptography.X509Certificates.X509Chain();
                chain.ChainPolicy.TrustMode = System.Security.Cryptography.X509Certificates.X509ChainTrustMode.CustomRootTrust;
                chain.ChainPolicy.CustomTrustStore.Add(certs.Ca);
                chain.ChainPolicy.RevocationMode = System.Security.Cryptography.X509Certificates.X509RevocationMode.NoCheck;
                return chain.Build(cert);
            };
        }
        var client = new HttpClient(handler) { BaseAddress = new Uri(BaseUrl + "/") };
        client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", Token);
        return client;
    }

    public void WriteKubeconfig(string path, string contextName = "emulator")
    {
        var dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (dir is not null) Directory.CreateDirectory(dir);
        File.WriteAllText(path, KubeconfigYaml(contextName));
    }

    public async ValueTask DisposeAsync()
    {
        if (_controllers is not null) await _controllers.DisposeAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        await _app.StopAsync(cts.Token);
        await _app.DisposeAsync();
    }

    /// <summary>shared/fixtures/checkpoint-busybox-counter.tar.gz in the nearest ancestor of the app directory that has it.</summary>
    public static string? FindCheckpointFixture()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "shared", "fixtures", "checkpoint-busybox-counter.tar.gz");
            if (File.Exists(candidate)) return candidate;
        }
        return null;
    }
}

/// <summary>A host lifetime that neither waits for nor reacts to process signals.</summary>
internal sealed class PassiveHostLifetime : Microsoft.Extensions.Hosting.IHostLifetime
{
    public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
