using System.Collections.Concurrent;
using System.Threading.Channels;

namespace Fleet.Core.Platform.Events;

/// <summary>An event for live streams: a family, a type such as <c>container.start</c>, a JSON-ready payload.</summary>
public sealed record FleetEvent(string Family, string Type, object Data, DateTimeOffset Timestamp);

/// <summary>The one in-process event bus (ARCHITECTURE.md "Live streams"); subscribers never block publishers.</summary>
public interface IEventBus
{
    void Publish(FleetEvent e);

    /// <summary>A subscription receiving events that pass <paramref name="filter"/>; dispose it to stop.</summary>
    EventSubscription Subscribe(Func<FleetEvent, bool>? filter = null, int capacity = 1024);
}

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

public sealed class InProcessEventBus : IEventBus
{
    private readonly ConcurrentDictionary<EventSubscription, byte> _subscriptions = new();

    public void Publish(FleetEvent e)
    {
        foreach (var s in _subscriptions.Keys)
            if (s.Filter is null || s.Filter(e))
                s.Channel.Writer.TryWrite(e); // a full buffer drops the oldest: a slow client must not stall the host
    }

    public EventSubscription Subscribe(Func<FleetEvent, bool>? filter = null, int capacity = 1024)
    {
        var channel = System.Threading.Channels.Channel.CreateBounded<FleetEvent>(
            new BoundedChannelOptions(capacity) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });
        EventSubscription? sub = null;
        sub = new EventSubscription(channel, filter, () => _subscriptions.TryRemove(sub!, out _));
        _subscriptions[sub] = 0;
        return sub;
    }
}
