namespace Fleet.Core.Kubernetes;

/// <summary>A registered cluster as every family sees it (no kubeconfig: that never leaves the registry).</summary>
public sealed record Cluster(
    string Id,
    string Name,
    string Context,
    string ServerUrl,
    string? Version,
    string Status,
    string Provider,
    string AuthType,
    string? RegistryName,
    DateTimeOffset CreatedAt,
    DateTimeOffset? LastConnected)
{
    public static Cluster From(ClusterEntity e) =>
        new(e.RowKey, e.Name, e.Context, e.ServerUrl, e.Version, e.Status, e.Provider, e.AuthType, e.RegistryName, e.CreatedAt, e.LastConnected);
}

/// <summary>A context found in a kubeconfig on this machine.</summary>
public sealed record DiscoveredCluster(string Name, string Context, string ServerUrl);

/// <summary>What a caller gives to register a cluster; exactly one kubeconfig source.</summary>
public sealed record ClusterRegistration(
    string? KubeconfigPath,
    string? KubeconfigBase64,
    string? Context,
    string? Name,
    string AuthType = "kubeconfig",
    string? RegistryName = null,
    string? ExpectedServerUrl = null,
    string Base64Field = "kubeconfig_base64");

/// <summary>A cluster's kubeconfig with only its own context; <see cref="Yaml"/> holds credentials.</summary>
public sealed record SingleContextKubeconfig(Cluster Cluster, k8s.KubeConfigModels.K8SConfiguration Config, string Yaml);

/// <summary>Told after a cluster is removed from the registry, to drop what refers to it (e.g. project membership).</summary>
public interface IClusterRemovedListener
{
    Task ClusterRemovedAsync(string clusterId, CancellationToken ct);
}
