using System.Collections.Concurrent;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MQTTnet;

namespace Fleet.Core.Platform.Mqtt;

/// <summary>
/// The host's one MQTT client: publishes, subscribes with a handler per topic filter, and
/// reconnects (re-subscribing) when the broker goes away.
/// </summary>
public sealed class MqttConnection(IOptions<MqttOptions> options, ILogger<MqttConnection> logger) : BackgroundService
{
    private readonly IMqttClient _client = new MqttClientFactory().CreateMqttClient();
    private readonly ConcurrentDictionary<string, Func<MqttApplicationMessage, Task>> _handlers = new();
    private readonly SemaphoreSlim _connectLock = new(1, 1);

    public bool IsConnected => _client.IsConnected;

    public async Task PublishAsync(string topic, string payload, bool retain = false, CancellationToken ct = default)
    {
        await EnsureConnectedAsync(ct);
        var msg = new MqttApplicationMessageBuilder().WithTopic(topic).WithPayload(payload)
            .WithQualityOfServiceLevel(MQTTnet.Protocol.MqttQualityOfServiceLevel.AtLeastOnce).WithRetainFlag(retain).Build();
        await _client.PublishAsync(msg, ct);
    }

    /// <summary>Subscribes now (if connected) and after every reconnect.</summary>
    public async Task SubscribeAsync(string topicFilter, Func<MqttApplicationMessage, Task> handler, CancellationToken ct = default)
    {
        _handlers[topicFilter] = handler;
        if (_client.IsConnected)
            await _client.SubscribeAsync(topicFilter, MQTTnet.Protocol.MqttQualityOfServiceLevel.AtLeastOnce, ct);
    }

    public async Task EnsureConnectedAsync(CancellationToken ct)
    {
        if (_client.IsConnected) return;
        await _connectLock.WaitAsync(ct);
        try
        {
            if (_client.IsConnected) return;
            var o = options.Value;
            var (host, port) = o.Endpoint();
            var b = new MqttClientOptionsBuilder().WithTcpServer(host, port)
                .WithClientId($"{o.ClientIdPrefix}-{Environment.ProcessId}-{Guid.NewGuid():N}"[..40])
                .WithCleanSession(true).WithTimeout(TimeSpan.FromSeconds(5));
            if (!string.IsNullOrEmpty(o.Username)) b = b.WithCredentials(o.Username, o.Password);
            await _client.ConnectAsync(b.Build(), ct);
            foreach (var filter in _handlers.Keys)
                await _client.SubscribeAsync(filter, MQTTnet.Protocol.MqttQualityOfServiceLevel.AtLeastOnce, ct);
        }
        finally
        {
            _connectLock.Release();
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        _client.ApplicationMessageReceivedAsync += OnMessage;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await EnsureConnectedAsync(stoppingToken);
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                logger.LogWarning("MQTT broker not reachable: {Message}", e.Message);
            }
            try { await Task.Delay(_client.IsConnected ? 2000 : 1000, stoppingToken); }
            catch (OperationCanceledException) { break; }
        }
        if (_client.IsConnected) await _client.DisconnectAsync(new MqttClientDisconnectOptions(), CancellationToken.None);
    }

    /// <summary>The topic filter inside a shared subscription (<c>$share/&lt;group&gt;/&lt;filter&gt;</c>): messages arrive on the plain topic.</summary>
    private static string TopicFilterOf(string filter)
    {
        if (!filter.StartsWith("$share/", StringComparison.Ordinal)) return filter;
        var slash = filter.IndexOf('/', "$share/".Length);
        return slash < 0 ? filter : filter[(slash + 1)..];
    }

    private async Task OnMessage(MqttApplicationMessageReceivedEventArgs e)
    {
        foreach (var (filter, handler) in _handlers)
        {
            if (!MqttTopicFilterComparer.Compare(e.ApplicationMessage.Topic, TopicFilterOf(filter)).Equals(MqttTopicFilterCompareResult.IsMatch)) continue;
            try { await handler(e.ApplicationMessage); }
            catch (Exception ex) { logger.LogError(ex, "MQTT handler for {Filter} failed", filter); }
        }
    }
}
