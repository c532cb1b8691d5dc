using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Fleet.Core.Platform.Events;
using Fleet.Core.Platform.Mesh;
using Fleet.Core.Platform.Mqtt;
using Fleet.Core.Platform.Time;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MQTTnet;

namespace Fleet.Core.KubeEdge;

/// <summary>
/// Listens to what devices publish under the topic prefix: <c>device/+/status</c> (online/offline, last seen),
/// <c>device/+/detection</c> (counted per day) and <c>device/+/command/result</c> (raised to the waiting command orchestration).
/// Messages for devices this host's cluster does not know are ignored.
/// </summary>
public sealed class MqttListener(MqttConnection mqtt, KubeEdgeScope scope, DeviceService devices, CommandService commands, KubeEdgeStats stats,
    IEventBus bus, DurableTaskClient durable, MeshTopics mesh, IOptions<KubeEdgeOptions> options, ILogger<MqttListener> logger) : IHostedService
{
    private readonly ConcurrentDictionary<string, bool> _prefixes = new();

    public async Task StartAsync(CancellationToken ct) => await ListenAsync(options.Value.TopicPrefix, ct);

    public Task StopAsync(CancellationToken ct) => Task.CompletedTask;

    /// <summary>Subscribes to a prefix's topics (once); called at start and when PUT /config sets a new prefix.</summary>
    public async Task ListenAsync(string prefix, CancellationToken ct)
    {
        if (!_prefixes.TryAdd(prefix, true)) return;
        // Shared subscriptions when the fleet has several hosts: the broker hands each device message to one of them
        // (and to another when that one is gone), so a detection is counted once, not once per host.
        await mqtt.SubscribeAsync(mesh.Shared($"{prefix}/device/+/status"), m => OnStatus(prefix, m), ct);
        await mqtt.SubscribeAsync(mesh.Shared($"{prefix}/device/+/detection"), m => OnDetection(prefix, m), ct);
        await mqtt.SubscribeAsync(mesh.Shared($"{prefix}/device/+/command/result"), m => OnCommandResult(prefix, m), ct);
    }

    private static string DeviceOf(string prefix, string topic) => topic[(prefix.Length + "/device/".Length)..].Split('/')[0];

    private static JsonNode? Parse(MqttApplicationMessage m)
    {
        var text = Encoding.UTF8.GetString(m.Payload);
        try { return JsonNode.Parse(text); }
        catch (JsonException) { return JsonValue.Create(text.Trim()); }
    }

    private async Task OnStatus(string prefix, MqttApplicationMessage m)
    {
        if (await scope.TryClusterIdAsync(CancellationToken.None) is not { } clusterId) return;
        var device = DeviceOf(prefix, m.Topic);
        var body = Parse(m);
        var raw = body is JsonObject o ? (string?)o["status"] : body?.GetValueKind() == JsonValueKind.String ? (string?)body : null;
        var status = raw?.ToLowerInvariant() switch
        {
            "online" or "connected" or "up" => DeviceStatus.Online,
            "offline" or "disconnected" or "down" => DeviceStatus.Offline,
            _ => null,
        };
        if (status is null) { logger.LogDebug("Ignoring status '{Raw}' from {Device}", raw, device); return; }
        var now = DateTimeOffset.UtcNow;
        var previous = await devices.SetStatusAsync(clusterId, device, status, now, CancellationToken.None);
        if (previous is not null && previous != status)
            bus.Publish(KubeEdgeEvents.Family, KubeEdgeEvents.DeviceStatus, new JsonObject
            {
                ["device_id"] = device, ["status"] = status, ["previous_status"] = previous, ["timestamp"] = FleetTime.Format(now),
            });
    }

    private async Task OnDetection(string prefix, MqttApplicationMessage m)
    {
        if (await scope.TryClusterIdAsync(CancellationToken.None) is not { } clusterId) return;
        var device = DeviceOf(prefix, m.Topic);
        var now = DateTimeOffset.UtcNow;
        // A detection is also a sign of life.
        if (await devices.SetStatusAsync(clusterId, device, DeviceStatus.Online, now, CancellationToken.None) is null) return;
        await stats.AddDetectionAsync(clusterId, now, CancellationToken.None);
        var body = Parse(m) as JsonObject ?? new JsonObject();
        var data = new JsonObject { ["device_id"] = device, ["object"] = body["object"]?.DeepClone(), ["confidence"] = body["confidence"]?.DeepClone() };
        foreach (var (k, v) in body)
            if (!data.ContainsKey(k)) data[k] = v?.DeepClone();
        data["timestamp"] = FleetTime.Format(now);
        bus.Publish(KubeEdgeEvents.Family, KubeEdgeEvents.Detection, data);
    }

    private async Task OnCommandResult(string prefix, MqttApplicationMessage m)
    {
        if (await scope.TryClusterIdAsync(CancellationToken.None) is not { } clusterId) return;
        if (Parse(m) is not JsonObject body || (string?)body["command_id"] is not { Length: > 0 } commandId) return;
        var command = await commands.FindAsync(clusterId, commandId, CancellationToken.None);
        if (command is null || command.DeviceId != DeviceOf(prefix, m.Topic) || command.Status != CommandStatus.Pending) return;
        var reply = new CommandReply(commandId, (string?)body["status"], body["result"]?.DeepClone(), (string?)body["error"], DateTimeOffset.UtcNow);
        await devices.SetStatusAsync(clusterId, command.DeviceId, DeviceStatus.Online, reply.ReceivedAt, CancellationToken.None);
        await durable.RaiseEventAsync(CommandService.InstanceId(commandId), CommandService.ReplyEvent, reply);
    }
}
