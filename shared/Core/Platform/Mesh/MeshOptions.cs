using Fleet.Core.Platform.Mqtt;

namespace Fleet.Core.Platform.Mesh;

/// <summary>
/// App settings <c>Mesh__*</c>: how the hosts of one fleet (same storage account, same task hub, same MQTT broker)
/// share events, cache invalidations, rate-limit windows and singleton work. On by default whenever an external broker
/// is configured (<c>Mqtt__Broker</c>); with the embedded broker a host is alone and everything stays in process.
/// </summary>
public sealed class MeshOptions
{
    /// <summary>Forces the mesh on or off; unset means "on when <c>Mqtt__Broker</c> names an external broker".</summary>
    public bool? Enabled { get; set; }

    /// <summary>Topic root of this fleet's messages; defaults to <c>fleet/&lt;task hub&gt;</c>, so fleets sharing a broker stay apart.</summary>
    public string? TopicRoot { get; set; }

    public bool IsEnabled(MqttOptions mqtt) => Enabled ?? !mqtt.UseEmbedded;
}
