using System.Text;
using System.Text.Json.Nodes;
using Fleet.Core.Kubernetes;
using Fleet.KubeEmulator;
using Fleet.Tests.Support;
using MQTTnet;

namespace Fleet.Tests.KubeEdge;

/// <summary>
/// One host against its own emulator cluster (registered and chosen through KubeEdge:ClusterId), real Azurite and mosquitto,
/// and its own durable hub, so test classes running in parallel never see each other's devices, tokens or queues.
/// </summary>
public sealed class KubeEdgeFixture : IAsyncLifetime
{
    public KubeEmulatorServer Cluster { get; private set; } = null!;
    public FleetApp App { get; private set; } = null!;
    public HttpClient Client => App.Client;
    public string ClusterId { get; private set; } = "";
    public string TopicPrefix { get; } = "t" + Guid.NewGuid().ToString("N")[..10] + "/cloudcore";

    public async Task InitializeAsync()
    {
        Cluster = await KubeEmulatorServer.StartAsync();
        App = await FleetApp.StartAsync(new Dictionary<string, string?>
        {
            ["Auth__Mode"] = "disabled",
            ["Durable__HubName"] = "ke" + Guid.NewGuid().ToString("N")[..12],
            // One control queue keeps the idle polling of many parallel test hosts light on the shared Azurite.
            ["Durable__PartitionCount"] = "1",
            ["KubeEdge__TopicPrefix"] = TopicPrefix,
            ["KubeEdge__AdvertiseAddress"] = "10.20.30.40",
            ["KubeEdge__SyncWaitSeconds"] = "20",
        });
        var cluster = await App.Services.GetRequiredService<ClusterRegistry>().AddAsync(new ClusterRegistration(null,
            Convert.ToBase64String(Encoding.UTF8.GetBytes(Cluster.KubeconfigYaml("ke-ctx"))), "ke-ctx", Unique("ke")), CancellationToken.None);
        ClusterId = cluster.Id;
        App.App.Configuration["KubeEdge:ClusterId"] = ClusterId;
    }

    public async Task DisposeAsync()
    {
        // The registry is shared: a cluster left behind would be swept by other tests after its emulator is gone.
        await App.Services.GetRequiredService<ClusterRegistry>().RemoveAsync(ClusterId, CancellationToken.None);
        await App.DisposeAsync();
        await Cluster.DisposeAsync();
    }

    public static string Unique(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 13)];

    public JsonObject? DeviceCr(string name) => Cluster.Store.Get("devices.kubeedge.io/v1beta1", "Device", "default", name);

    public async Task<(int Status, JsonNode? Body)> SendAsync(HttpMethod method, string path, string? json = null)
    {
        using var req = new HttpRequestMessage(method, path);
        // As the seed's curl -d examples: a JSON body without a content type.
        if (json is not null) req.Content = new ByteArrayContent(Encoding.UTF8.GetBytes(json));
        using var r = await Client.SendAsync(req);
        var text = await r.Content.ReadAsStringAsync();
        return ((int)r.StatusCode, text.Length == 0 ? null : JsonNode.Parse(text));
    }

    /// <summary>A simulated device: an MQTTnet client on the real mosquitto.</summary>
    public async Task<IMqttClient> DeviceClientAsync()
    {
        var (host, port) = new Fleet.Core.Platform.Mqtt.MqttOptions { Broker = Peers.MqttBroker }.Endpoint();
        var c = new MqttClientFactory().CreateMqttClient();
        await c.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer(host, port).WithClientId("dev-" + Guid.NewGuid().ToString("N")[..12]).Build());
        return c;
    }

    public static Task PublishAsync(IMqttClient c, string topic, string payload) =>
        c.PublishAsync(new MqttApplicationMessageBuilder().WithTopic(topic).WithPayload(payload)
            .WithQualityOfServiceLevel(MQTTnet.Protocol.MqttQualityOfServiceLevel.AtLeastOnce).Build());

    public static async Task<T> EventuallyAsync<T>(Func<Task<T>> probe, Func<T, bool> done, TimeSpan? within = null)
    {
        var until = DateTime.UtcNow + (within ?? TimeSpan.FromSeconds(20));
        while (true)
        {
            var v = await probe();
            if (done(v) || DateTime.UtcNow > until) return v;
            await Task.Delay(100);
        }
    }
}
