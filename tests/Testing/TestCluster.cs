using System.Net;
using System.Text.Json.Nodes;
using Fleet.KubeEmulator;
using k8s;
using k8s.Autorest;
using k8s.KubeConfigModels;
using k8s.Models;

namespace Fleet.Testing;

/// <summary>
/// The cluster a Kubernetes test talks to: the in-process emulator, or the real cluster named by
/// FLEET_TEST_KUBECONFIG (its current context). Tests reach it only through the client and kubeconfigs
/// made from it, and create their own namespaces (CreateNamespaceAsync) so they can share one cluster.
/// Linked into every test project that needs a cluster (tests/Testing).
/// </summary>
public sealed class TestCluster : IAsyncDisposable
{
    public const string KubeconfigVariable = "FLEET_TEST_KUBECONFIG";
    private readonly List<string> _namespaces = [];
    private readonly string? _tempKubeconfig;
    private readonly Cluster _cluster;
    private readonly User _user;
    private readonly string? _namespace;

    private TestCluster(string kubeconfigPath, KubeEmulatorServer? emulator, string? tempKubeconfig)
    {
        var file = KubernetesClientConfiguration.LoadKubeConfig(new FileInfo(kubeconfigPath));
        ContextName = string.IsNullOrEmpty(file.CurrentContext) ? file.Contexts.First().Name : file.CurrentContext;
        var context = file.Contexts.First(c => c.Name == ContextName).ContextDetails;
        _cluster = file.Clusters.First(c => c.Name == context.Cluster);
        _user = file.Users?.FirstOrDefault(u => u.Name == context.User) ?? new User { Name = context.User, UserCredentials = new UserCredentials() };
        _namespace = context.Namespace;
        Inline(Path.GetDirectoryName(Path.GetFullPath(kubeconfigPath))!);
        Config = KubernetesClientConfiguration.BuildConfigFromConfigFile(kubeconfigPath, ContextName);
        Client = new Kubernetes(Config);
        KubeconfigPath = kubeconfigPath;
        Emulator = emulator;
        _tempKubeconfig = tempKubeconfig;
    }

    public Kubernetes Client { get; }
    public KubernetesClientConfiguration Config { get; }
    public string KubeconfigPath { get; }
    public string ContextName { get; }

    /// <summary>The server exactly as the kubeconfig names it (what Fleet reports as server_url).</summary>
    public string ServerUrl => _cluster.ClusterEndpoint.Server;

    /// <summary>The credentials in the kubeconfig (token, client key): what must never show in an answer or at rest.</summary>
    public IReadOnlyList<string> Secrets =>
        new[] { _user.UserCredentials?.Token, _user.UserCredentials?.ClientKeyData, _user.UserCredentials?.Password }
            .Where(s => !string.IsNullOrEmpty(s)).ToList()!;

    /// <summary>The emulator when running in-process; null against a real cluster.</summary>
    public KubeEmulatorServer? Emulator { get; }

    public bool IsEmulated => Emulator is not null;

    public static async Task<TestCluster> CreateAsync(KubeEmulatorOptions? options = null)
    {
        var real = Environment.GetEnvironmentVariable(KubeconfigVariable);
        if (string.IsNullOrWhiteSpace(real)) return await CreateEmulatedAsync(options);
        var cluster = new TestCluster(real, null, null);
        // Fail at once, naming the variable, rather than in every test.
        try { await cluster.Client.Version.GetCodeAsync(); }
        catch (Exception e) { throw new InvalidOperationException($"{KubeconfigVariable}={real}: the cluster does not answer: {e.Message}", e); }
        return cluster;
    }

    /// <summary>Always the in-process emulator: for tests of the emulator itself (seeded logs, files, kubelet).</summary>
    public static async Task<TestCluster> CreateEmulatedAsync(KubeEmulatorOptions? options = null)
    {
        var emulator = await KubeEmulatorServer.StartAsync(options);
        var path = Path.Combine(Path.GetTempPath(), $"kube-emulator-{Guid.NewGuid():N}.yaml");
        emulator.WriteKubeconfig(path);
        return new TestCluster(path, emulator, path);
    }

    /// <summary>
    /// A self-contained kubeconfig for this cluster with one context of the given name (files inlined). Pass
    /// <paramref name="server"/> to point it elsewhere (a relay, a dead port). KubernetesClient checks a server
    /// certificate against the kubeconfig's CA and not its name, so a relay on 127.0.0.1 passes; tls-server-name
    /// (the original host, when not loopback) is for clients that do check the name, such as kubectl.
    /// </summary>
    public string KubeconfigYaml(string contextName = "test", string? server = null)
    {
        var endpoint = _cluster.ClusterEndpoint;
        var original = new Uri(endpoint.Server).Host;
        var config = new K8SConfiguration
        {
            ApiVersion = "v1",
            Kind = "Config",
            CurrentContext = contextName,
            Clusters = [new Cluster { Name = contextName, ClusterEndpoint = new ClusterEndpoint
            {
                Server = server ?? endpoint.Server,
                CertificateAuthorityData = endpoint.CertificateAuthorityData,
                SkipTlsVerify = endpoint.SkipTlsVerify,
                TlsServerName = endpoint.TlsServerName ?? (server is null || IsLoopback(original) ? null : original),
            } }],
            Users = [new User { Name = contextName, UserCredentials = _user.UserCredentials }],
            Contexts = [new Context { Name = contextName, ContextDetails = new ContextDetails { Cluster = contextName, User = contextName, Namespace = _namespace } }],
        };
        return KubernetesYaml.Serialize(config);
    }

    public void WriteKubeconfig(string path, string contextName = "test") => File.WriteAllText(path, KubeconfigYaml(contextName));

    /// <summary>A fresh namespace, deleted when the cluster is disposed.</summary>
    public async Task<string> CreateNamespaceAsync(string prefix = "t")
    {
        var ns = await Client.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { GenerateName = prefix + "-" } });
        lock (_namespaces) _namespaces.Add(ns.Metadata.Name);
        return ns.Metadata.Name;
    }

    /// <summary>An object as the API serves it (JSON), or null when it does not exist.</summary>
    public static async Task<JsonObject?> JsonOrNullAsync<T>(Func<Task<T>> read)
    {
        try { return JsonNode.Parse(KubernetesJson.Serialize(await read()))!.AsObject(); }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound) { return null; }
    }

    /// <summary>The items of a list as the API serves them (JSON).</summary>
    public static async Task<List<JsonObject>> ItemsAsync<T>(Func<Task<T>> list) =>
        JsonNode.Parse(KubernetesJson.Serialize(await list()))!["items"]!.AsArray().Select(i => i!.AsObject()).ToList();

    public async ValueTask DisposeAsync()
    {
        if (!IsEmulated)
            foreach (var ns in _namespaces)
            {
                try { await Client.CoreV1.DeleteNamespaceAsync(ns); }
                catch (HttpOperationException) { }
            }
        Client.Dispose();
        if (Emulator is not null) await Emulator.DisposeAsync();
        if (_tempKubeconfig is not null) File.Delete(_tempKubeconfig);
    }

    private static bool IsLoopback(string host) => host == "localhost" || (IPAddress.TryParse(host, out var ip) && IPAddress.IsLoopback(ip));

    /// <summary>Files named by the kubeconfig (relative to it) become *-data, so copies of it work anywhere.</summary>
    private void Inline(string dir)
    {
        string? Read(string? file) => string.IsNullOrEmpty(file) ? null : Convert.ToBase64String(File.ReadAllBytes(Path.Combine(dir, file)));
        var e = _cluster.ClusterEndpoint;
        e.CertificateAuthorityData ??= Read(e.CertificateAuthority);
        e.CertificateAuthority = null;
        if (_user.UserCredentials is { } u)
        {
            u.ClientCertificateData ??= Read(u.ClientCertificate);
            u.ClientKeyData ??= Read(u.ClientKey);
            u.ClientCertificate = u.ClientKey = null;
        }
    }
}
