using System.Net;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MQTTnet.Server;

namespace Fleet.Core.Platform.Mqtt;

/// <summary>
/// With no <c>Mqtt__Broker</c>, Fleet brings its own broker (MQTTnet.Server) on loopback so that a
/// local run needs nothing else installed.
/// </summary>
public sealed class EmbeddedMqttBroker(IOptions<MqttOptions> options, ILogger<EmbeddedMqttBroker> logger) : IHostedService
{
    private MqttServer? _server;

    public async Task StartAsync(CancellationToken ct)
    {
        var o = options.Value;
        if (!o.UseEmbedded) return;
        var factory = new MqttServerFactory();
        var serverOptions = factory.CreateServerOptionsBuilder()
            .WithDefaultEndpoint()
            .WithDefaultEndpointBoundIPAddress(IPAddress.Loopback)
            .WithDefaultEndpointBoundIPV6Address(IPAddress.None)
            .WithDefaultEndpointPort(o.EmbeddedPort)
            .Build();
        _server = factory.CreateMqttServer(serverOptions);
        await _server.StartAsync();
        logger.LogInformation("Embedded MQTT broker listening on 127.0.0.1:{Port}", o.EmbeddedPort);
    }

    public async Task StopAsync(CancellationToken ct)
    {
        if (_server is not null) await _server.StopAsync();
    }
}
