using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using Fleet.Core.Platform.Mesh;

namespace Fleet.Core.Platform.Events;

/// <summary>
/// The bus of a single host: events fan out to subscriber channels, and the last
/// <see cref="BufferSize"/> events are kept so a client reconnecting with Last-Event-ID misses nothing.
/// Events minted elsewhere (another host, through <see cref="MeshEventBus"/>) come in through <see cref="Deliver"/>,
/// which hands each id out once.
/// </summary>
public sealed class InProcessEventBus(EventIdGenerator ids) : IEventBus
{
    public const int BufferSize = 2048;
    private readonly object _gate = new();
    private readonly LinkedList<FleetEvent> _buffer = new();
    private readonly List<(string Family, Channel<FleetEvent> Channel)> _familySubscribers = [];
    private readonly List<EventSubscription> _filtered = [];
    private readonly HashSet<long> _seen = [];

    public FleetEvent Publish(string family, string type, JsonObject data, DateTimeOffset? timestamp = null)
    {
        // Ids come from the clock (EventIdGenerator), so a restarted host never reuses ids a client already saw.
        var e = new FleetEvent(ids.Next(), family, type, data, timestamp ?? DateTimeOffset.UtcNow);
        Deliver(e);
        return e;
    }

    /// <summary>Buffers the event and hands it to the subscribers, unless an event with its id was delivered already
    /// (a host's own event coming back from the broker, or a broker's redelivery); answers whether it was new.</summary>
    public bool Deliver(FleetEvent e)
    {
        lock (_gate)
        {
            if (!_seen.Add(e.Id)) return false;
            _buffer.AddLast(e);
            if (_buffer.Count > BufferSize)
            {
                _seen.Remove(_buffer.First!.Value.Id);
                _buffer.RemoveFirst();
            }
            foreach (var s in _familySubscribers)
                if (s.Family == e.Family) s.Channel.Writer.TryWrite(e);
            foreach (var s in _filtered)
                if (s.Filter is null || s.Filter(e)) s.Channel.Writer.TryWrite(e);
            return true;
        }
    }

    public async IAsyncEnumerable<FleetEvent> SubscribeAsync(string family, long? afterId, [EnumeratorCancellation] CancellationToken ct)
    {
        // Bounded so one slow client cannot grow memory without limit; it loses the oldest events instead.
        var channel = Channel.CreateBounded<FleetEvent>(new BoundedChannelOptions(BufferSize) { FullMode = BoundedChannelFullMode.DropOldest });
        var entry = (family, channel);
        lock (_gate)
        {
            if (afterId is not null)
                foreach (var e in _buffer)
                    if (e.Id > afterId && e.Family == family) channel.Writer.TryWrite(e);
            _familySubscribers.Add(entry);
        }
        try
        {
            await foreach (var e in channel.Reader.ReadAllAsync(ct)) yield return e;
        }
        finally
        {
            lock (_gate) _familySubscribers.Remove(entry);
        }
    }

    public EventSubscription Subscribe(Func<FleetEvent, bool>? filter = null, int capacity = 1024)
    {
        var channel = Channel.CreateBounded<FleetEvent>(
            new BoundedChannelOptions(capacity) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });
        EventSubscription? sub = null;
        sub = new EventSubscription(channel, filter, () => { lock (_gate) _filtered.Remove(sub!); });
        lock (_gate) _filtered.Add(sub);
        return sub;
    }
}
