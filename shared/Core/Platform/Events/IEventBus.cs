using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Channels;

namespace Fleet.Core.Platform.Events;

/// <summary>One event for the live streams (SSE, WebSocket) and webhooks; <see cref="Id"/> is unique across the fleet's hosts and grows with time (<see cref="Mesh.EventIdGenerator"/>).</summary>
public sealed record FleetEvent(long Id, string Family, string Type, JsonObject Data, DateTimeOffset Timestamp);

/// <summary>
/// The host's event bus (ARCHITECTURE.md "Live streams"): publish, subscribe to a family with replay of
/// recent events after a given id (SSE's Last-Event-ID), or subscribe with a filter. Subscribers never block publishers.
/// </summary>
public interface IEventBus
{
    FleetEvent Publish(string family, string type, JsonObject data, DateTimeOffset? timestamp = null);

    /// <summary>Events of <paramref name="family"/> after <paramref name="afterId"/> (replayed from the buffer), then live ones.</summary>
    IAsyncEnumerable<FleetEvent> SubscribeAsync(string family, long? afterId, CancellationToken ct);

    /// <summary>Live events that pass <paramref name="filter"/>, read from the subscription's channel; dispose it to stop.</summary>
    EventSubscription Subscribe(Func<FleetEvent, bool>? filter = null, int capacity = 1024);
}

public static class EventBusExtensions
{
    /// <summary>Publishes a payload given as any object (an anonymous type with the wire's names).</summary>
    public static FleetEvent Publish(this IEventBus bus, string family, string type, object data, DateTimeOffset? timestamp = null) =>
        bus.Publish(family, type, JsonSerializer.SerializeToNode(data)!.AsObject(), timestamp);
}

/// <summary>A filtered subscription; a full buffer drops its oldest events rather than stall the host.</summary>
public sealed class EventSubscription : IDisposable
{
    private readonly Action _unsubscribe;

    internal EventSubscription(Channel<FleetEvent> channel, Func<FleetEvent, bool>? filter, Action unsubscribe)
    {
        Channel = channel;
        Filter = filter;
        _unsubscribe = unsubscribe;
    }

    internal Channel<FleetEvent> Channel { get; }
    internal Func<FleetEvent, bool>? Filter { get; }
    public ChannelReader<FleetEvent> Reader => Channel.Reader;

    public void Dispose()
    {
        _unsubscribe();
        Channel.Writer.TryComplete();
    }
}
