using System.Net.WebSockets;
using Fleet.Functions.Platform.Auth;
using System.Net.Http.Json;
using System.Text.Json;
using Docker.DotNet;
using Docker.DotNet.Models;
using Fleet.Core.Homei;
using Fleet.Tests.Support;

namespace Fleet.Tests.Homei;

/// <summary>
/// One host for the Homei tests, against the real dockerd and Azurite. The Homei classes share a
/// collection because they share one engine and one services table: a reconcile pass of one test
/// must not act on a service another test is creating.
/// </summary>
public sealed class HomeiFixture : IAsyncLifetime
{
    public const string BusyboxImage = "local/busybox:1";
    public const string HttpdImage = "local/busybox-httpd:1";
    public FleetApp App { get; private set; } = null!;
    /// <summary>An operator's client: Homei's reads and changes, through the real authentication.</summary>
    public HttpClient Client { get; private set; } = null!;
    public DockerClient Docker { get; } = new DockerClientConfiguration(new Uri(Peers.DockerEndpoint)).CreateClient();

    public async Task InitializeAsync()
    {
        App = await FleetApp.StartAsync(new Dictionary<string, string?>
        {
            // Functional tests send bursts a person would not; the limits themselves are tested in RateLimitTests.
            ["RateLimits__Scale"] = "100",
            // Test containers run shells as PID 1, which ignore SIGTERM: do not wait Docker's 10 s for them.
            ["Homei__StopTimeoutSeconds"] = "1",
            ["Homei__Reconcile"] = "true",
            // Long routes answer 202 at once, so tests follow the orchestration and its custom status.
            ["Homei__LongRunningWait"] = "00:00:00",
            ["Homei__Rauc__Command"] = Peers.Require("Homei__Rauc__Command"),
            ["Homei__Rauc__BundleDirectory"] = Peers.Require("Homei__Rauc__BundleDirectory"),
            ["Logging__LogLevel__Fleet.Core.Homei"] = "Debug",
        });
        Client = await App.LoginAsync(FleetRole.Operator);
    }

    /// <summary>A WebSocket carrying the operator's bearer token, as a non-browser client sends it.</summary>
    public ClientWebSocket NewWebSocket()
    {
        var ws = new ClientWebSocket();
        ws.Options.SetRequestHeader("Authorization", Client.DefaultRequestHeaders.Authorization!.ToString());
        return ws;
    }

    public async Task DisposeAsync()
    {
        await App.DisposeAsync();
        Docker.Dispose();
    }

    public static string UniqueName(string prefix) => $"{prefix}-{Guid.NewGuid().ToString("N")[..8]}";

    /// <summary>The managed container of a service, as the engine reports it, or null.</summary>
    public async Task<ContainerListResponse?> ContainerOf(string service) =>
        (await Docker.Containers.ListContainersAsync(new ContainersListParameters
        {
            All = true,
            Filters = new Dictionary<string, IDictionary<string, bool>>
            {
                ["label"] = new Dictionary<string, bool> { [$"io.homei.service={service}"] = true },
            },
        })).FirstOrDefault();

    public async Task<ContainerInspectResponse> Inspect(string service) =>
        await Docker.Containers.InspectContainerAsync((await ContainerOf(service))!.ID);

    public static async Task<T> Eventually<T>(Func<Task<T?>> probe, string what, int seconds = 20) where T : class
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (true)
        {
            if (await probe() is { } v) return v;
            if (DateTime.UtcNow > deadline) throw new TimeoutException("Timed out waiting for " + what);
            await Task.Delay(200);
        }
    }

    /// <summary>A long-running service that logs a line a second.</summary>
    public static object TickerService(string name, object? extra = null) => new
    {
        name,
        image = BusyboxImage,
        enabled = true,
        restart_policy = "no",
        command = new[] { "sh", "-c", "while :; do echo tick; sleep 1; done" },
    };

    public async Task<HttpResponseMessage> CreateService(object body)
    {
        var r = await Client.PostAsJsonAsync("/api/homei/v1/services", body);
        return r;
    }

    /// <summary>Removes what a test made, whatever state it left (dependents first).</summary>
    public async Task Cleanup(params string[] services)
    {
        foreach (var s in services)
        {
            await Client.DeleteAsync($"/api/homei/v1/services/{s}");
            if (await ContainerOf(s) is { } c)
                await Docker.Containers.RemoveContainerAsync(c.ID, new ContainerRemoveParameters { Force = true });
        }
    }

    public static async Task<JsonElement> Json(HttpResponseMessage r) =>
        JsonDocument.Parse(await r.Content.ReadAsStringAsync()).RootElement;

    public ServiceStore Store => App.Services.GetRequiredService<ServiceStore>();
}

[CollectionDefinition("homei")]
public sealed class HomeiCollection : ICollectionFixture<HomeiFixture>;
