using Docker.DotNet;
using Docker.DotNet.Models;
using Fleet.Functions.Platform.Auth;
using Fleet.Tests.Support;

namespace Fleet.Tests.Pioneer;

/// <summary>
/// A host with CloudPioneer's Kafka broker set (librdkafka's mock cluster that infra/peers starts, FLEET_TEST_KAFKA),
/// its own topic, short stream heartbeats, the sampler timer off (ticks are driven by the tests), and one running
/// container on the Homei engine whose samples the tests follow.
/// </summary>
public sealed class PioneerLiveFixture : IAsyncLifetime
{
    public static readonly TimeSpan PingInterval = TimeSpan.FromSeconds(1), PongTimeout = TimeSpan.FromSeconds(2);
    private readonly DockerClient _docker = new DockerClientConfiguration(new Uri(Peers.DockerEndpoint)).CreateClient();

    public string U { get; } = Guid.NewGuid().ToString("N")[..8];
    public string Topic => $"fleet-test-{U}";
    public string RatesGroup => $"rates-{U}";
    public string Kafka { get; } = Peers.Require("FLEET_TEST_KAFKA");
    public FleetApp App { get; private set; } = null!;
    public HttpClient Viewer { get; private set; } = null!;
    public string ContainerId { get; private set; } = "";
    public string ResourceId => "homei:container:" + ContainerId[..12];

    public async Task InitializeAsync()
    {
        App = await FleetApp.StartAsync(new Dictionary<string, string?>
        {
            ["RateLimits__Scale"] = "100",
            ["Pioneer__Kafka__BootstrapServers"] = Kafka,
            ["Pioneer__Kafka__Topic"] = Topic,
            ["Pioneer__Kafka__ConsumerGroups__0"] = RatesGroup,
            ["Pioneer__Streams__PingInterval"] = PingInterval.ToString(),
            ["Pioneer__Streams__PongTimeout"] = PongTimeout.ToString(),
            ["Timers__PioneerSample__Disabled"] = "true",
        });
        Viewer = await App.LoginAsync(FleetRole.Viewer);
        var created = await _docker.Containers.CreateContainerAsync(new CreateContainerParameters
        {
            Name = $"pio-live-{U}", Image = "local/busybox:1", Cmd = ["sleep", "300"],
        });
        ContainerId = created.ID;
        await _docker.Containers.StartContainerAsync(created.ID, new ContainerStartParameters());
    }

    /// <summary>
    /// The Homei source's share of a sampler tick, as the tick's activity runs it (the orchestration around it is proven
    /// by the inventory tests; every registered cluster of the shared peers would only slow this one down). Answers its time.
    /// </summary>
    public async Task<DateTimeOffset> TickAsync()
    {
        var at = DateTimeOffset.UtcNow;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await App.Services.GetRequiredService<Fleet.Core.Pioneer.PioneerSampler>().SampleSourceAsync("homei", at, timeout.Token);
        return at;
    }

    public async Task DisposeAsync()
    {
        try { await _docker.Containers.RemoveContainerAsync(ContainerId, new ContainerRemoveParameters { Force = true }); } catch (DockerApiException) { }
        await App.DisposeAsync();
        _docker.Dispose();
    }
}
