using Azure;
using Azure.Data.Tables;

namespace Fleet.Core.Kubernetes;

/// <summary>
/// A registered cluster in table <c>platformClusters</c>. PartitionKey "cluster", RowKey the cluster id:
/// the registry is small and always listed whole, so one partition keeps list a single query.
/// A second row per cluster (PartitionKey "name", RowKey the name) makes names unique; both rows
/// are written in one transaction.
/// </summary>
public sealed class ClusterEntity : ITableEntity
{
    public const string ClusterPartition = "cluster";
    public const string NamePartition = "name";

    public string PartitionKey { get; set; } = ClusterPartition;
    public string RowKey { get; set; } = "";
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }

    public string Name { get; set; } = "";
    public string Context { get; set; } = "";
    public string ServerUrl { get; set; } = "";
    public string? Version { get; set; }
    public string Status { get; set; } = ClusterStatus.Connected;
    public string Provider { get; set; } = "other";
    public string AuthType { get; set; } = "kubeconfig";
    public string? RegistryName { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset? LastConnected { get; set; }
    public string? LastError { get; set; }

    /// <summary>The kubeconfig, encrypted with Data Protection; null when it lives in a blob.</summary>
    public string? KubeconfigProtected { get; set; }

    /// <summary>Blob name of the encrypted kubeconfig when it is too large for a table property.</summary>
    public string? KubeconfigBlob { get; set; }
}

/// <summary>The ids the name rows point at.</summary>
public sealed class ClusterNameEntity : ITableEntity
{
    public string PartitionKey { get; set; } = ClusterEntity.NamePartition;
    public string RowKey { get; set; } = "";
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }
    public string ClusterId { get; set; } = "";
}

public static class ClusterStatus
{
    public const string Connected = "connected";
    public const string Disconnected = "disconnected";
    public const string Error = "error";
}
