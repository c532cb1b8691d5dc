using Azure;
using Azure.Data.Tables;
using System.Text.Json.Nodes;
using Fleet.Core.Platform.Time;

namespace Fleet.Core.KubeEdge;

/// <summary>Row of <c>kubeedgeCommands</c>: PK = cluster id, RK = command id (<c>cmd_…</c>).</summary>
public sealed class CommandEntity : ITableEntity
{
    public string PartitionKey { get; set; } = "";
    public string RowKey { get; set; } = "";
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }
    public string DeviceId { get; set; } = "";
    public string Command { get; set; } = "";
    public string ParametersJson { get; set; } = "{}";
    public string Status { get; set; } = CommandStatus.Pending;
    public string? ResultJson { get; set; }
    public string? Error { get; set; }
    public int TimeoutSeconds { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset? CompletedAt { get; set; }
    public long? LatencyMs { get; set; }
}

public static class CommandStatus
{
    public const string Pending = "pending";
    public const string Completed = "completed";
    public const string Failed = "failed";
    public const string Timeout = "timeout";
}

public sealed record CommandView(string CommandId, string DeviceId, string Command, JsonNode? Parameters, string Status, JsonNode? Result,
    string? Error, string CreatedAt, string? CompletedAt, string? Latency)
{
    public static CommandView From(CommandEntity e) => new(e.RowKey, e.DeviceId, e.Command, JsonNode.Parse(e.ParametersJson), e.Status,
        e.ResultJson is null ? null : JsonNode.Parse(e.ResultJson), e.Error, FleetTime.Format(e.CreatedAt), FleetTime.Format(e.CompletedAt),
        e.LatencyMs is null ? null : $"{e.LatencyMs}ms");
}

/// <summary>What a device sends on <c>…/command/result</c>; <c>status</c> "error"/"failed" marks a failure.</summary>
public sealed record CommandReply(string CommandId, string? Status, JsonNode? Result, string? Error, DateTimeOffset ReceivedAt);

/// <summary>Row of <c>kubeedgeStats</c>: PK = cluster id, RK = UTC day (yyyy-MM-dd); counters for GET /metrics.</summary>
public sealed class DailyStatsEntity : ITableEntity
{
    public string PartitionKey { get; set; } = "";
    public string RowKey { get; set; } = "";
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }
    public long Detections { get; set; }
    public long CommandRoundTrips { get; set; }
    public long CommandLatencyMsTotal { get; set; }
}
