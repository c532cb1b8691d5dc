using Fleet.Core.Kubernetes;
using Fleet.Core.Platform.Errors;
using Microsoft.Extensions.Configuration;

namespace Fleet.Core.KubeEdge;

/// <summary>
/// Which registered cluster CloudCore runs in: <c>KubeEdge__ClusterId</c>, else the first registered one.
/// Read on every call so a cluster registered after start (or a changed setting) counts at once.
/// </summary>
public sealed class KubeEdgeScope(IConfiguration configuration, ClusterRegistry registry)
{
    public async Task<string?> TryClusterIdAsync(CancellationToken ct)
    {
        if (configuration["KubeEdge:ClusterId"] is { Length: > 0 } id) return id;
        return (await registry.ListAsync(ct)).FirstOrDefault()?.Id;
    }

    public async Task<string> ClusterIdAsync(CancellationToken ct) =>
        await TryClusterIdAsync(ct) ?? throw new FleetException(FleetErrorKind.Unavailable,
            "no Kubernetes cluster is registered for CloudCore: add one (POST /api/kubilitics/v1/clusters) or set KubeEdge__ClusterId");

    /// <summary>Calls the CloudCore cluster; Kubernetes 4xx answers stay exceptions for the caller to map.</summary>
    public async Task<T> ExecuteAsync<T>(Func<k8s.IKubernetes, CancellationToken, Task<T>> call, CancellationToken ct) =>
        await registry.ExecuteAsync(await ClusterIdAsync(ct), call, ct);

    public Task<T> ExecuteAsync<T>(string clusterId, Func<k8s.IKubernetes, CancellationToken, Task<T>> call, CancellationToken ct) =>
        registry.ExecuteAsync(clusterId, call, ct);

    public static bool IsStatus(Exception e, int status) =>
        e is k8s.Autorest.HttpOperationException h && (int)h.Response.StatusCode == status;
}
