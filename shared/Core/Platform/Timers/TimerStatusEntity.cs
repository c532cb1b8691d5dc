using System.Runtime.Serialization;
using Azure;
using Azure.Data.Tables;

namespace Fleet.Core.Platform.Timers;

/// <summary>
/// One row of <c>platformTimers</c> per timer (PartitionKey = timer name). <see cref="Last"/> is the
/// last claimed tick: a host runs a tick only after moving Last forward to it with If-Match, so two
/// hosts never both run one tick.
/// </summary>
public sealed class TimerStatusEntity : ITableEntity
{
    public const string Table = "platformTimers";
    public const string StatusRow = "status";

    public string PartitionKey { get; set; } = "";
    public string RowKey { get; set; } = StatusRow;
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }

    [DataMember(Name = "last")] public DateTimeOffset? Last { get; set; }
    [DataMember(Name = "next")] public DateTimeOffset? Next { get; set; }
    [DataMember(Name = "last_updated")] public DateTimeOffset? LastUpdated { get; set; }
    [DataMember(Name = "last_started")] public DateTimeOffset? LastStarted { get; set; }
    [DataMember(Name = "last_duration_ms")] public long? LastDurationMs { get; set; }
    [DataMember(Name = "last_error")] public string? LastError { get; set; }
    [DataMember(Name = "last_error_at")] public DateTimeOffset? LastErrorAt { get; set; }
    [DataMember(Name = "last_succeeded")] public bool? LastSucceeded { get; set; }
    /// <summary>The host (<see cref="Mesh.HostIdentity.HostId"/>) that ran the last tick.</summary>
    [DataMember(Name = "last_host")] public string? LastHost { get; set; }
    [DataMember(Name = "runs")] public long Runs { get; set; }
    [DataMember(Name = "failures")] public long Failures { get; set; }
}
