using Fleet.Core.Platform.Mqtt;
using Fleet.Durable;
using Microsoft.Extensions.Options;

namespace Fleet.Core.Platform.Mesh;

/// <summary>The MQTT topics the fleet's hosts talk on, under one root per fleet.</summary>
public sealed class MeshTopics(IOptions<MeshOptions> mesh, IOptions<MqttOptions> mqtt, IOptions<DurableTaskOptions> durable)
{
    public bool Enabled { get; } = mesh.Value.IsEnabled(mqtt.Value);

    /// <summary>The fleet's name for what hosts share (leases, windows): its task hub, which every host of a fleet shares.</summary>
    public string FleetName { get; } = durable.Value.HubName;

    public string Root => mesh.Value.TopicRoot is { Length: > 0 } r ? r.TrimEnd('/') : $"fleet/{FleetName}";

    /// <summary>Events of one family, QoS 1.</summary>
    public string Events(string family) => $"{Root}/events/{family}";

    public string AllEvents => $"{Root}/events/+";

    public string Invalidations => $"{Root}/invalidate";

    /// <summary>A shared subscription (MQTT 5 / mosquitto): each message of <paramref name="filter"/> goes to one host of the fleet.</summary>
    public string Shared(string filter) => Enabled ? $"$share/{FleetName}/{filter}" : filter;
}
