using Azure;
using Azure.Data.Tables;
using Fleet.Core.Platform.Time;

namespace Fleet.Core.KubeEdge;

/// <summary>Row of <c>kubeedgeDevices</c>: PK = cluster id (the cluster holding the Device CRs), RK = device id (the CR name).</summary>
public sealed class DeviceEntity : ITableEntity
{
    public string PartitionKey { get; set; } = "";
    public string RowKey { get; set; } = "";
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }
    public string NodeName { get; set; } = "";
    public string Model { get; set; } = "";
    public string Protocol { get; set; } = "";
    public string Namespace { get; set; } = "";
    /// <summary>unknown until the device or its node reports; then online or offline.</summary>
    public string Status { get; set; } = DeviceStatus.Unknown;
    public DateTimeOffset? LastSeen { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    /// <summary>The batch (orchestration instance) that joined the device, so a retried activity of that batch knows its own work.</summary>
    public string? JoinedBy { get; set; }
}

public static class DeviceStatus
{
    public const string Unknown = "unknown";
    public const string Online = "online";
    public const string Offline = "offline";
}

public sealed record DeviceView(string DeviceId, string NodeName, string Model, string Protocol, string Namespace, string Status,
    string? LastSeen, string CreatedAt)
{
    public static DeviceView From(DeviceEntity e) =>
        new(e.RowKey, e.NodeName, e.Model, e.Protocol, e.Namespace, e.Status, FleetTime.Format(e.LastSeen), FleetTime.Format(e.CreatedAt));
}

/// <summary>One device of a join request.</summary>
public sealed record DeviceJoinRequest(string? NodeName, string? DeviceId, string? Model = null, string? Protocol = null);
