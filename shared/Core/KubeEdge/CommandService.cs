using System.Security.Cryptography;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Fleet.Core.Platform.Errors;
using Fleet.Core.Platform.Events;
using Fleet.Core.Platform.Mqtt;
using Fleet.Core.Platform.Storage;
using Fleet.Core.Platform.Time;

namespace Fleet.Core.KubeEdge;

/// <summary>What the command orchestration needs; the timeout and topic are fixed when the command is sent.</summary>
public sealed record CommandWork(string ClusterId, string CommandId, string DeviceId, string Topic, int TimeoutSeconds);

/// <summary>Device commands: stored in <c>kubeedgeCommands</c>, published over MQTT, completed by the device's reply or a timeout.</summary>
public sealed partial class CommandService(FleetStorage storage, KubeEdgeScope scope, KubeEdgeConfigStore config, DeviceService devices,
    MqttConnection mqtt, KubeEdgeStats stats, IEventBus bus)
{
    public const string Table = "kubeedgeCommands";
    public const string ReplyEvent = "command_result";
    private TableStore<CommandEntity> Rows => storage.Table<CommandEntity>(Table);

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$")]
    private static partial Regex CommandName();

    public static string InstanceId(string commandId) => "kubeedge-cmd-" + commandId;

    public async Task<(CommandEntity Command, CommandWork Work)> CreateAsync(string deviceId, string? command, JsonObject? parameters,
        int? timeoutSeconds, CancellationToken ct)
    {
        if (command is null || !CommandName().IsMatch(command))
            throw FleetException.Validation("command", "command is required: letters, digits, '_', '.', '-' (at most 100)");
        if (timeoutSeconds is not null) KubeEdgeValidation.Range(timeoutSeconds.Value, 1, 3600, "timeout_seconds");
        var clusterId = await scope.ClusterIdAsync(ct);
        var device = await devices.FindAsync(clusterId, deviceId, ct) ?? throw FleetException.NotFound($"device '{deviceId}' not found");
        var cfg = await config.GetAsync(ct);
        var entity = new CommandEntity
        {
            PartitionKey = clusterId, RowKey = "cmd_" + Convert.ToHexString(RandomNumberGenerator.GetBytes(8)).ToLowerInvariant(),
            DeviceId = device.RowKey, Command = command, ParametersJson = (parameters ?? new JsonObject()).ToJsonString(),
            TimeoutSeconds = timeoutSeconds ?? cfg.CommandTimeoutSeconds, CreatedAt = DateTimeOffset.UtcNow,
        };
        await storage.EnsureTableAsync(Table, ct);
        await Rows.AddAsync(entity, ct: ct);
        return (entity, new CommandWork(clusterId, entity.RowKey, device.RowKey, $"{cfg.MqttTopicPrefix}/device/{device.RowKey}/command", entity.TimeoutSeconds));
    }

    /// <summary>Publishes <c>{command_id, command, parameters}</c> to the device's command topic (QoS 1).</summary>
    public async Task PublishAsync(CommandWork work, CancellationToken ct)
    {
        var e = await Rows.GetAsync(work.ClusterId, work.CommandId, ct) ?? throw FleetException.NotFound($"command '{work.CommandId}' not found");
        var payload = new JsonObject { ["command_id"] = e.RowKey, ["command"] = e.Command, ["parameters"] = JsonNode.Parse(e.ParametersJson) };
        await mqtt.PublishAsync(work.Topic, payload.ToJsonString(), ct: ct);
    }

    /// <summary>Records the outcome once: only a pending command changes, so a redelivered activity does not count twice.</summary>
    public async Task<CommandEntity> CompleteAsync(string clusterId, string commandId, CommandReply? reply, CancellationToken ct)
    {
        for (var attempt = 0; ; attempt++)
        {
            var e = await Rows.GetAsync(clusterId, commandId, ct) ?? throw FleetException.NotFound($"command '{commandId}' not found");
            if (e.Status != CommandStatus.Pending) return e;
            var now = reply?.ReceivedAt ?? DateTimeOffset.UtcNow;
            e.Status = reply is null ? CommandStatus.Timeout
                : reply.Status is "error" or "failed" || reply.Error is not null ? CommandStatus.Failed : CommandStatus.Completed;
            e.ResultJson = reply?.Result?.ToJsonString();
            e.Error = reply is null ? $"no reply from the device within {e.TimeoutSeconds}s" : reply.Error;
            e.CompletedAt = now;
            if (reply is not null) e.LatencyMs = Math.Max(0, (long)(now - e.CreatedAt).TotalMilliseconds);
            try
            {
                await Rows.UpdateAsync(e, ct);
            }
            catch (FleetException x) when (x.Kind == FleetErrorKind.Conflict && attempt < 5)
            {
                continue;
            }
            if (e.LatencyMs is { } ms) await stats.AddRoundTripAsync(clusterId, now, ms, ct);
            bus.Publish(KubeEdgeEvents.Family, KubeEdgeEvents.CommandResult, new JsonObject
            {
                ["command_id"] = e.RowKey, ["device_id"] = e.DeviceId, ["status"] = e.Status,
                ["result"] = reply?.Result?.DeepClone(), ["timestamp"] = FleetTime.Format(now),
            });
            return e;
        }
    }

    public async Task<CommandEntity> GetAsync(string commandId, CancellationToken ct)
    {
        var clusterId = await scope.ClusterIdAsync(ct);
        return await FindAsync(clusterId, commandId, ct) ?? throw FleetException.NotFound($"command '{commandId}' not found");
    }

    public async Task<CommandEntity?> FindAsync(string clusterId, string commandId, CancellationToken ct)
    {
        await storage.EnsureTableAsync(Table, ct);
        return await Rows.GetAsync(clusterId, commandId, ct);
    }
}
