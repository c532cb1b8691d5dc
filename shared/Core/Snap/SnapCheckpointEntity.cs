using Azure;
using Azure.Data.Tables;
using Fleet.Core.Platform.Time;

namespace Fleet.Core.Snap;

/// <summary>
/// Row of <c>snapCheckpoints</c>: PK = <see cref="Partition"/>, RK = the checkpoint id, which sorts newest first
/// (inverted ticks, then a random suffix), so a page of the table is a page of the newest checkpoints.
/// </summary>
public sealed class SnapCheckpointEntity : ITableEntity
{
    public const string Partition = "checkpoint";

    public string PartitionKey { get; set; } = Partition;
    public string RowKey { get; set; } = "";
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }
    public string ClusterId { get; set; } = "";
    public string ClusterName { get; set; } = "";
    public string NodeName { get; set; } = "";
    public string PodName { get; set; } = "";
    public string Namespace { get; set; } = "";
    public string ContainerName { get; set; } = "";
    public string PodUid { get; set; } = "";
    /// <summary>The runtime's container id (<c>containerd://…</c>, <c>cri-o://…</c>) when the pod status gives one.</summary>
    public string ContainerId { get; set; } = "";
    /// <summary>Where the kubelet wrote the archive on the node.</summary>
    public string ArchivePath { get; set; } = "";
    /// <summary>The archive's file name (the last segment of <see cref="ArchivePath"/>), the download route's <c>filename</c>.</summary>
    public string FileName { get; set; } = "";
    public string BlobName { get; set; } = "";
    public long Size { get; set; }
    public string Sha256 { get; set; } = "";
    public string Status { get; set; } = SnapCheckpointStatus.InProgress;
    public string? Error { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset? CompletedAt { get; set; }
}

public static class SnapCheckpointStatus
{
    public const string InProgress = "in_progress";
    public const string Completed = "completed";
    public const string Failed = "failed";
}

/// <summary>A checkpoint as services and orchestrations pass it (plain values, no secrets).</summary>
public sealed record SnapCheckpointRecord(
    string Id,
    string ClusterId,
    string ClusterName,
    string NodeName,
    string Namespace,
    string PodName,
    string ContainerName,
    string PodUid,
    string ContainerId,
    string ArchivePath,
    string FileName,
    string BlobName,
    long Size,
    string Sha256,
    string Status,
    string? Error,
    string CreatedAt,
    string? CompletedAt)
{
    public static SnapCheckpointRecord From(SnapCheckpointEntity e) => new(e.RowKey, e.ClusterId, e.ClusterName, e.NodeName, e.Namespace,
        e.PodName, e.ContainerName, e.PodUid, e.ContainerId, e.ArchivePath, e.FileName, e.BlobName, e.Size, e.Sha256, e.Status, e.Error,
        FleetTime.Format(e.CreatedAt), FleetTime.Format(e.CompletedAt));
}

/// <summary>What to checkpoint. <see cref="CheckpointId"/> makes a retried call (an activity) return the first call's checkpoint.</summary>
public sealed record SnapCheckpointRequest(
    string ClusterId,
    string Namespace,
    string PodName,
    string ContainerName,
    string? NodeName = null,
    string? CheckpointId = null);
