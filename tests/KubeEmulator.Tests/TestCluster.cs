using Fleet.KubeEmulator;
using k8s;
using k8s.Models;

namespace Fleet.KubeEmulator.Tests;

/// <summary>
/// The cluster a Kubernetes test talks to: the in-process emulator, or the real cluster named by
/// FLEET_TEST_KUBECONFIG. Tests create their own namespaces (CreateNamespaceAsync) so they can share one.
/// </summary>
public sealed class TestCluster : IAsyncDisposable
{
    public const string KubeconfigVariable = "FLEET_TEST_KUBECONFIG";
    private readonly List<string> _namespaces = [];
    private readonly string? _tempKubeconfig;

    private TestCluster(Kubernetes client, KubernetesClientConfiguration config, string kubeconfigPath, KubeEmulatorServer? emulator, string? tempKubeconfig)
    {
        Client = client;
        Config = config;
        KubeconfigPath = kubeconfigPath;
        Emulator = emulator;
        _tempKubeconfig = tempKubeconfig;
    }

    public Kubernetes Client { get; }
    public KubernetesClientConfiguration Config { get; }
    public string KubeconfigPath { get; }

    /// <summary>The emulator when running in-process; null against a real cluster.</summary>
    public KubeEmulatorServer? Emulator { get; }

    public bool IsEmulated => Emulator is not null;

    public static async Task<TestCluster> CreateAsync(KubeEmulatorOptions? options = null)
    {
        var real = Environment.GetEnvironmentVariable(KubeconfigVariable);
        if (!string.IsNullOrWhiteSpace(real))
        {
            var realConfig = KubernetesClientConfiguration.BuildConfigFromConfigFile(real);
            return new TestCluster(new Kubernetes(realConfig), realConfig, real, null, null);
        }
        return await CreateEmulatedAsync(options);
    }

    /// <summary>Always the in-process emulator: for tests of the emulator itself (seeded logs, files, kubelet).</summary>
    public static async Task<TestCluster> CreateEmulatedAsync(KubeEmulatorOptions? options = null)
    {
        var emulator = await KubeEmulatorServer.StartAsync(options);
        var path = Path.Combine(Path.GetTempPath(), $"kube-emulator-{Guid.NewGuid():N}.yaml");
        emulator.WriteKubeconfig(path);
        var config = KubernetesClientConfiguration.BuildConfigFromConfigFile(path);
        return new TestCluster(new Kubernetes(config), config, path, emulator, path);
    }

    /// <summary>A fresh namespace, deleted when the cluster is disposed.</summary>
    public async Task<string> CreateNamespaceAsync(string prefix = "t")
    {
        var ns = await Client.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { GenerateName = prefix + "-" } });
        lock (_namespaces) _namespaces.Add(ns.Metadata.Name);
        return ns.Metadata.Name;
    }

    public async ValueTask DisposeAsync()
    {
        if (!IsEmulated)
            foreach (var ns in _namespaces)
            {
                try { await Client.CoreV1.DeleteNamespaceAsync(ns); }
                catch (k8s.Autorest.HttpOperationException) { }
            }
        Client.Dispose();
        if (Emulator is not null) await Emulator.DisposeAsync();
        if (_tempKubeconfig is not null) File.Delete(_tempKubeconfig);
    }
}
