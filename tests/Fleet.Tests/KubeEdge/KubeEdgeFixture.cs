using System.Text;
using System.Text.Json.Nodes;
using Fleet.Core.KubeEdge;
using Fleet.Core.Kubernetes;
using Fleet.Tests.Support;
using MQTTnet;
using k8s;

namespace Fleet.Tests.KubeEdge;

/// <summary>
/// One host against the test cluster (registered and chosen through KubeEdge:ClusterId), real Azurite and mosquitto,
/// and its own durable hub, so test classes running in parallel never see each other's devices, tokens or queues.
/// Against one real cluster the fixtures share the cluster-wide objects KubeEdge keeps (namespace kubeedge, its CA
/// secret, the CloudCore ClusterRole), which Fleet creates only when absent; apps go to a namespace of their own.
/// </summary>
public sealed class KubeEdgeFixture : IAsyncLifetime
{
    public TestCluster Cluster { get; private set; } = null!;
    /// <summary>A Ready node labelled node-role.kubernetes.io/edge (the emulator seeds edge-1), and its architecture.</summary>
    public string EdgeNode { get; private set; } = "";
    public string EdgeArch { get; private set; } = "";
    public string AppNamespace { get; private set; } = "";
    public FleetApp App { get; private set; } = null!;
    public HttpClient Client => App.Client;
    public string ClusterId { get; private set; } = "";
    public string TopicPrefix { get; } = "t" + Guid.NewGuid().ToString("N")[..10] + "/cloudcore";

    public async Task InitializeAsync()
    {
        Cluster = await TestCluster.CreateAsync();
        var edge = (await Cluster.Client.CoreV1.ListNodeAsync(labelSelector: "node-role.kubernetes.io/edge")).Items
            .FirstOrDefault(n => n.Status?.Conditions?.Any(c => c.Type == "Ready" && c.Status == "True") == true)
            ?? throw new InvalidOperationException("the KubeEdge tests need a Ready node labelled node-role.kubernetes.io/edge");
        EdgeNode = edge.Metadata.Name;
        EdgeArch = edge.Metadata.Labels["kubernetes.io/arch"];
        AppNamespace = await Cluster.CreateNamespaceAsync("ke-apps");
        App = await FleetApp.StartAsync(new Dictionary<string, string?>
        {
            ["KubeEdge__AppNamespace"] = AppNamespace,
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
        // Initialization may have stopped early (a cluster without an edge node): undo what was made.
        if (App is not null)
        {
            // A real cluster outlives the run: take away the Device CRs this host's devices made.
            if (!Cluster.IsEmulated)
                await foreach (var d in new Azure.Data.Tables.TableClient(Peers.Storage, DeviceService.Table)
                                   .QueryAsync<Azure.Data.Tables.TableEntity>(e => e.PartitionKey == ClusterId, select: ["RowKey"]))
                {
                    try { await Cluster.Client.CustomObjects.DeleteNamespacedCustomObjectAsync(DeviceService.Group, DeviceService.ApiVersion, DeviceService.DeviceNamespace, DeviceService.Plural, d.RowKey); }
                    catch (k8s.Autorest.HttpOperationException) { }
                }
            // The registry is shared: a cluster left behind would be swept by other tests after its cluster is gone.
            if (ClusterId.Length > 0) await App.Services.GetRequiredService<ClusterRegistry>().RemoveAsync(ClusterId, CancellationToken.None);
            await App.DisposeAsync();
        }
        if (Cluster is not null) await Cluster.DisposeAsync();
    }

    public static string Unique(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 13)];

    public Task<JsonObject?> DeviceCrAsync(string name) => TestCluster.JsonOrNullAsync(() =>
        Cluster.Client.CustomObjects.GetNamespacedCustomObjectAsync(DeviceService.Group, DeviceService.ApiVersion, DeviceService.DeviceNamespace, DeviceService.Plural, name));

    /// <summary>The Device CRs whose names start with the prefix (other tests add theirs to the same namespace).</summary>
    public async Task<List<JsonObject>> DeviceCrsAsync(string prefix) =>
        (await TestCluster.ItemsAsync(() => Cluster.Client.CustomObjects.ListNamespacedCustomObjectAsync(
            DeviceService.Group, DeviceService.ApiVersion, DeviceService.DeviceNamespace, DeviceService.Plural)))
        .Where(d => ((string)d["metadata"]!["name"]!).StartsWith(prefix)).ToList();

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
