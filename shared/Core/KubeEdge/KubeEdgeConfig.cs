using Azure;
using Azure.Data.Tables;

namespace Fleet.Core.KubeEdge;

/// <summary>The editable CloudCore settings, as GET/PUT /config show them.</summary>
public sealed record KubeEdgeConfig(
    string? ClusterId,
    string AdvertiseAddress,
    int CloudhubPort,
    int CloudhubHttpsPort,
    int CloudstreamPort,
    int TunnelPort,
    string KubeedgeVersion,
    int TokenExpiryHours,
    int CommandTimeoutSeconds,
    string MqttTopicPrefix,
    string? UpdatedAt);

/// <summary>Row of <c>kubeedgeConfig</c>: PK = cluster id (one CloudCore per cluster), RK = "config".</summary>
public sealed class KubeEdgeConfigEntity : ITableEntity
{
    public const string Row = "config";
    public string PartitionKey { get; set; } = "";
    public string RowKey { get; set; } = Row;
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }
    public string AdvertiseAddress { get; set; } = "";
    public int CloudhubPort { get; set; }
    public int CloudhubHttpsPort { get; set; }
    public int CloudstreamPort { get; set; }
    public int TunnelPort { get; set; }
    public string KubeedgeVersion { get; set; } = "";
    public int TokenExpiryHours { get; set; }
    public int CommandTimeoutSeconds { get; set; }
    public string MqttTopicPrefix { get; set; } = "";
    public DateTimeOffset UpdatedAt { get; set; }
}
