using k8s;
using System.Text.Json.Nodes;
using Fleet.Core.Kubernetes;

namespace Fleet.Core.Kubilitics;

/// <summary>Counts per workload kind, read live.</summary>
public sealed record WorkloadCounts(int Deployments, int Statefulsets, int Daemonsets, int Jobs, int Cronjobs, int Replicasets, int Pods);

/// <summary>Cluster-wide summary counts, read live.</summary>
public sealed record ClusterCounts(int NodeCount, int NamespaceCount, int PodCount, int DeploymentCount);

/// <summary>The overview and workloads views of a cluster.</summary>
public sealed class ClusterViews(ClusterRegistry registry, ClusterEvents events)
{
    public Task<WorkloadCounts> WorkloadsAsync(string clusterId, CancellationToken ct) =>
        registry.RunAsync(clusterId, async (k, t) =>
        {
            var deployments = k.AppsV1.ListDeploymentForAllNamespacesAsync(cancellationToken: t);
            var statefulsets = k.AppsV1.ListStatefulSetForAllNamespacesAsync(cancellationToken: t);
            var daemonsets = k.AppsV1.ListDaemonSetForAllNamespacesAsync(cancellationToken: t);
            var jobs = k.BatchV1.ListJobForAllNamespacesAsync(cancellationToken: t);
            var cronjobs = k.BatchV1.ListCronJobForAllNamespacesAsync(cancellationToken: t);
            var replicasets = k.AppsV1.ListReplicaSetForAllNamespacesAsync(cancellationToken: t);
            var pods = k.CoreV1.ListPodForAllNamespacesAsync(cancellationToken: t);
            return new WorkloadCounts((await deployments).Items.Count, (await statefulsets).Items.Count, (await daemonsets).Items.Count,
                (await jobs).Items.Count, (await cronjobs).Items.Count, (await replicasets).Items.Count, (await pods).Items.Count);
        }, ct);

    public Task<ClusterCounts> CountsAsync(string clusterId, CancellationToken ct) =>
        registry.RunAsync(clusterId, async (k, t) =>
        {
            var nodes = k.CoreV1.ListNodeAsync(cancellationToken: t);
            var namespaces = k.CoreV1.ListNamespaceAsync(cancellationToken: t);
            var pods = k.CoreV1.ListPodForAllNamespacesAsync(cancellationToken: t);
            var deployments = k.AppsV1.ListDeploymentForAllNamespacesAsync(cancellationToken: t);
            return new ClusterCounts((await nodes).Items.Count, (await namespaces).Items.Count, (await pods).Items.Count, (await deployments).Items.Count);
        }, ct);

    public Task<IReadOnlyList<JsonObject>> RecentEventsAsync(string clusterId, CancellationToken ct) => events.RecentAsync(clusterId, 10, ct);
}
