using Azure;
using Azure.Data.Tables;

namespace Fleet.Core.Snap.Hooks;

/// <summary>
/// Row of <c>snapHooks</c>: PK <see cref="Partition"/>, RK = the hook's name. Holds the CA certificate (public) for the
/// webhook configuration's caBundle; no private key: the serving key lives only in the cluster's Secret, the CA key
/// is discarded once it has signed.
/// </summary>
public sealed class SnapHookEntity : ITableEntity
{
    public const string Partition = "hook";
    public string PartitionKey { get; set; } = Partition;
    public string RowKey { get; set; } = "";
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }
    public string ClusterId { get; set; } = "";
    public string ClusterName { get; set; } = "";
    public string Namespace { get; set; } = "";
    public string WebhookUrl { get; set; } = "";
    public string SecretName { get; set; } = "";
    public string CaCertificatePem { get; set; } = "";
    public string Status { get; set; } = SnapHookStatus.Created;
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset CertExpiresAt { get; set; }
    public DateTimeOffset? StartedAt { get; set; }
    public DateTimeOffset? StoppedAt { get; set; }
}

public static class SnapHookStatus
{
    /// <summary>Registered (certificate and Secret made); no webhook configuration yet.</summary>
    public const string Created = "created";
    /// <summary>The MutatingWebhookConfiguration exists; the admit route answers for this hook.</summary>
    public const string Active = "active";
    /// <summary>The MutatingWebhookConfiguration was removed.</summary>
    public const string Stopped = "stopped";
}
