using System.Text.Json.Nodes;

namespace Fleet.Core.Platform.Events;

/// <summary>One event for the live streams (SSE, WebSocket) and webhooks; <see cref="Id"/> grows by one per event.</summary>
public sealed record FleetEvent(long Id, string Family, string Type, JsonObject Data, DateTimeOffset Timestamp);

/// <summary>The host's event bus: publish, and subscribe with replay of recent events after a given id.</summary>
public interface IEventBus
{
    FleetEvent Publish(string family, string type, JsonObject data);

    /// <summary>Events of <paramref name="family"/> after <paramref name="afterId"/> (replayed from the buffer), then live ones.</summary>
    IAsyncEnumerable<FleetEvent> SubscribeAsync(string family, long? afterId, CancellationToken ct);
}
