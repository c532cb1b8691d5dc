using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using Fleet.Core.Platform.Events;
using Fleet.Core.Platform.Mqtt;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using MQTTnet;

namespace Fleet.Core.Platform.Mesh;

/// <summary>
/// The event bus of a host among several: an event raised here is delivered to this host's subscribers at once and
/// published (QoS 1, in order) on <c>&lt;root&gt;/events/&lt;family&gt;</c>; every host delivers what it receives there to its own
/// subscribers, each event id once (its own echoes are dropped by id). So every host holds the same replay window and
/// <c>Last-Event-ID</c> resumes anywhere. While the broker is away, events wait in a bounded queue and go out in order
/// when it is back; what is state (a device online, a command result) is also in Table storage, so nothing a client
/// acts on rests on the broker alone.
/// </summary>
public sealed class MeshEventBus(InProcessEventBus local, MqttConnection mqtt, MeshTopics topics, HostIdentity host,
    ILogger<MeshEventBus> logger) : BackgroundService, IEventBus
{
    public const int OutboxCapacity = 10_000;
    private readonly Channel<FleetEvent> _outbox = Channel.CreateBounded<FleetEvent>(
        new BoundedChannelOptions(OutboxCapacity) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });

    public FleetEvent Publish(string family, string type, JsonObject data, DateTimeOffset? timestamp = null)
    {
        var e = local.Publish(family, type, data, timestamp);
        _outbox.Writer.TryWrite(e);
        return e;
    }

    public IAsyncEnumerable<FleetEvent> SubscribeAsync(string family, long? afterId, CancellationToken ct) =>
        local.SubscribeAsync(family, afterId, ct);

    public EventSubscription Subscribe(Func<FleetEvent, bool>? filter = null, int capacity = 1024) => local.Subscribe(filter, capacity);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!topics.Enabled) return;
        await mqtt.SubscribeAsync(topics.AllEvents, OnMessage, stoppingToken);
        await foreach (var e in _outbox.Reader.ReadAllAsync(stoppingToken))
        {
            var payload = JsonSerializer.Serialize(new MeshEvent(e.Id, e.Family, e.Type, e.Data, e.Timestamp, host.HostId));
            // Retried until it goes out, so the order of one host's events holds across broker restarts.
            for (var attempt = 0; !stoppingToken.IsCancellationRequested; attempt++)
            {
                try
                {
                    await mqtt.PublishAsync(topics.Events(e.Family), payload, ct: stoppingToken);
                    break;
                }
                catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
                {
                    if (attempt == 0) logger.LogWarning("Event {Id} not yet published to the other hosts: {Message}", e.Id, ex.Message);
                    await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(2000, 100 * (attempt + 1))), stoppingToken).ContinueWith(_ => { });
                }
            }
        }
    }

    private Task OnMessage(MqttApplicationMessage m)
    {
        MeshEvent? e;
        try { e = JsonSerializer.Deserialize<MeshEvent>(Encoding.UTF8.GetString(m.Payload)); }
        catch (JsonException) { e = null; }
        if (e is null || e.Family is null || e.Type is null || e.Data is null)
        {
            logger.LogDebug("Ignoring a malformed mesh event on {Topic}", m.Topic);
            return Task.CompletedTask;
        }
        if (e.Origin != host.HostId) local.Deliver(new FleetEvent(e.Id, e.Family, e.Type, e.Data, e.Timestamp));
        return Task.CompletedTask;
    }

    private sealed record MeshEvent(long Id, string Family, string Type, JsonObject Data, DateTimeOffset Timestamp, string Origin);
}
