using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Fleet.Core.Kubernetes;

/// <summary>Kubernetes is "connected" when every registered cluster answered its last sweep.</summary>
public sealed class KubernetesHealthCheck(ClusterRegistry registry) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken ct = default)
    {
        try
        {
            var clusters = await registry.ListAsync(ct);
            if (clusters.Count == 0) return HealthCheckResult.Healthy("no_clusters");
            var down = clusters.Count(c => c.Status != ClusterStatus.Connected);
            return down == 0
                ? HealthCheckResult.Healthy("connected")
                : HealthCheckResult.Degraded($"{down} of {clusters.Count} clusters disconnected");
        }
        catch (Exception e)
        {
            return HealthCheckResult.Unhealthy("unknown", e);
        }
    }
}
