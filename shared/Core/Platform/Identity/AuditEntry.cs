using Azure;
using Azure.Data.Tables;

namespace Fleet.Core.Platform.Identity;

/// <summary>One audit record, in the Kubilitics seed's shape.</summary>
public sealed record AuditEntry(
    string Id,
    DateTimeOffset Timestamp,
    string? UserId,
    string? Username,
    string? ClusterId,
    string Action,
    string? ResourceKind,
    string? ResourceNamespace,
    string? ResourceName,
    int StatusCode,
    string? RequestIp,
    string? Details);

/// <summary>An audit row of <c>platformAuditLog</c> (see <see cref="AuditStore"/> for the keys).</summary>
public sealed class AuditEntity : ITableEntity
{
    public string PartitionKey { get; set; } = "";
    public string RowKey { get; set; } = "";
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }
    public string Id { get; set; } = "";
    public DateTimeOffset At { get; set; }
    public string? UserId { get; set; }
    public string? Username { get; set; }
    public string? ClusterId { get; set; }
    public string Action { get; set; } = "";
    public string? ResourceKind { get; set; }
    public string? ResourceNamespace { get; set; }
    public string? ResourceName { get; set; }
    public int StatusCode { get; set; }
    public string? RequestIp { get; set; }
    public string? Details { get; set; }

    public AuditEntry ToEntry() => new(Id, At, UserId, Username, ClusterId, Action, ResourceKind, ResourceNamespace,
        ResourceName, StatusCode, RequestIp, Details);
}
