using Azure;
using Azure.Data.Tables;

namespace Fleet.Core.Snap.Operator;

/// <summary>
/// Row of <c>snapWatchers</c>: one SnapWatcher. PK = the fleet (its task hub, shared by the hosts that run its
/// orchestrations), RK = the cluster's id, so a cluster has at most one watcher per fleet. Holds the options, the last
/// resourceVersion seen (where the watch resumes after a restart) and which host runs it now.
/// </summary>
public sealed class SnapWatcherEntity : ITableEntity
{
    public string PartitionKey { get; set; } = "";
    public string RowKey { get; set; } = "";
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }

    /// <summary>A new id per start: pods handled by an earlier watcher of the same cluster do not count as handled by this one.</summary>
    public string WatchId { get; set; } = "";
    public string ClusterName { get; set; } = "";
    public string Scope { get; set; } = SnapWatcherScope.Cluster;
    public string? Namespace { get; set; }
    public bool AutoDeletePod { get; set; }
    public string RegistryConfig { get; set; } = "";
    public DateTimeOffset StartedAt { get; set; }
    public string? StartedBy { get; set; }

    /// <summary>The last resourceVersion of the pod watch; empty until the first list.</summary>
    public string ResourceVersion { get; set; } = "";

    /// <summary>The host running the watch and when it last said so (see <see cref="SnapWatcherOptions.HeartbeatInterval"/>).</summary>
    public string? Host { get; set; }
    public DateTimeOffset? HeartbeatAt { get; set; }
    public string? LastError { get; set; }
}

/// <summary>Row of <c>snapWatcherPods</c>: a pod a watcher took up. PK = the watch id, RK = the pod's uid.</summary>
public sealed class SnapWatcherPodEntity : ITableEntity
{
    public string PartitionKey { get; set; } = "";
    public string RowKey { get; set; } = "";
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }
    public string Namespace { get; set; } = "";
    public string PodName { get; set; } = "";
    public string InstanceId { get; set; } = "";
    public string State { get; set; } = SnapWatcherPodState.InProgress;
    public int Containers { get; set; }
    public int Checkpointed { get; set; }
    public int Pushed { get; set; }
    public int Failed { get; set; }
    public bool Deleted { get; set; }
    /// <summary>The pushed image references (with digests), one a line.</summary>
    public string Images { get; set; } = "";
    public string? Error { get; set; }
    public DateTimeOffset SeenAt { get; set; }
    public DateTimeOffset? DoneAt { get; set; }
}

public static class SnapWatcherScope
{
    public const string Cluster = "cluster";
    public const string Namespace = "namespace";
}

public static class SnapWatcherPodState
{
    public const string InProgress = "in_progress";
    public const string Done = "done";
    public const string Failed = "failed";
}
