using System.Runtime.Serialization;
using Azure;
using Azure.Data.Tables;

namespace Fleet.Core.Platform.Mesh;

/// <summary>One row of <c>platformHosts</c> per host process (PartitionKey = fleet, RowKey = host id), renewed every few seconds.</summary>
public sealed class HostEntity : ITableEntity
{
    public const string Table = "platformHosts";

    public string PartitionKey { get; set; } = "";
    public string RowKey { get; set; } = "";
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }

    [DataMember(Name = "machine")] public string Machine { get; set; } = "";
    [DataMember(Name = "process_id")] public int ProcessId { get; set; }
    [DataMember(Name = "started_at")] public DateTimeOffset StartedAt { get; set; }
    [DataMember(Name = "last_seen")] public DateTimeOffset LastSeen { get; set; }

    /// <summary>The fleet-wide singletons (leases) the host ran at its last heartbeat, comma-separated.</summary>
    [DataMember(Name = "singletons")] public string Singletons { get; set; } = "";
}
