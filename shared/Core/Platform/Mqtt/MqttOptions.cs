namespace Fleet.Core.Platform.Mqtt;

/// <summary>App settings <c>Mqtt__*</c>.</summary>
public sealed class MqttOptions
{
    /// <summary><c>host:port</c> of an external broker; empty runs the embedded broker.</summary>
    public string? Broker { get; set; }
    public int EmbeddedPort { get; set; } = 1883;
    public string? Username { get; set; }
    public string? Password { get; set; }
    public string ClientIdPrefix { get; set; } = "fleet";

    public bool UseEmbedded => string.IsNullOrWhiteSpace(Broker);

    public (string Host, int Port) Endpoint()
    {
        if (UseEmbedded) return ("127.0.0.1", EmbeddedPort);
        var b = Broker!.Trim();
        if (b.StartsWith("tcp://", StringComparison.OrdinalIgnoreCase)) b = b[6..];
        var i = b.LastIndexOf(':');
        return i > 0 && int.TryParse(b[(i + 1)..], out var p) ? (b[..i], p) : (b, 1883);
    }
}
