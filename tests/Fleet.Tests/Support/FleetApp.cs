using System.Collections.Concurrent;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Fleet.Core.Platform.Identity;
using Fleet.Functions;
using Fleet.Functions.Platform.Auth;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace Fleet.Tests.Support;

/// <summary>
/// The real host, built by the same composition as Program, listening on a free loopback port
/// and talking to the real peers. Settings given here win over everything else.
/// </summary>
public sealed class FleetApp : IAsyncDisposable
{
    private FleetApp(WebApplication app, Uri baseAddress)
    {
        App = app;
        BaseAddress = baseAddress;
        Client = CreateClient();
    }

    private readonly ConcurrentDictionary<FleetRole, Task<HttpClient>> _roleClients = new();

    public WebApplication App { get; }
    public Uri BaseAddress { get; }
    public HttpClient Client { get; }
    public IServiceProvider Services => App.Services;

    public static async Task<FleetApp> StartAsync(IDictionary<string, string?>? settings = null,
        Action<WebApplication>? mapExtra = null, Action<WebApplicationBuilder>? configure = null, string? contentRoot = null)
    {
        var values = new Dictionary<string, string?>
        {
            ["AzureWebJobsStorage"] = Peers.Storage,
            ["Mqtt:Broker"] = Peers.MqttBroker,
            ["Docker:Endpoint"] = Peers.DockerEndpoint,
            ["urls"] = "http://127.0.0.1:0",
            // Each host its own task hub: parallel test hosts must not take over each other's orchestrations.
            ["Durable:HubName"] = "Test" + Guid.NewGuid().ToString("N")[..16],
            ["Logging:LogLevel:Default"] = "Warning",
            // The sampler reads every source each minute (Docker stats of the shared engine, every registered cluster) on
            // whichever test host holds its lease: CloudPioneer's tests drive their ticks themselves, others need none.
            ["Timers:PioneerSample:Disabled"] = "true",
            // Every test host shares the services table and the engine but is its own fleet, so each would run a
            // reconciler and race the Homei tests' own (recreating a container a test just removed): only Homei's host does.
            ["Homei:Reconcile"] = "false",
        };
        if (settings is not null)
            foreach (var (k, v) in settings) values[k.Replace("__", ":")] = v;

        var builder = FleetHost.CreateBuilder([], b =>
        {
            b.Configuration.AddInMemoryCollection(values);
            b.WebHost.UseUrls("http://127.0.0.1:0");
            configure?.Invoke(b);
        }, contentRoot);
        var app = FleetHost.Build(builder, mapExtra);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new FleetApp(app, new Uri(address.Replace("[::]", "127.0.0.1")));
    }

    /// <summary>
    /// A client for this host whose responses pass the secret filter; with a bearer token or API
    /// key when given. Every client of the test suite should come from here.
    /// </summary>
    public HttpClient CreateClient(string? bearer = null, string? apiKey = null)
    {
        var client = new HttpClient(new SecretFilterHandler(new SocketsHttpHandler())) { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
        if (bearer is not null) client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        if (apiKey is not null) client.DefaultRequestHeaders.Add(FleetAuthenticationHandler.ApiKeyHeader, apiKey);
        return client;
    }

    /// <summary>A new user with this role and a random password (registered as a secret).</summary>
    public async Task<(UserEntity User, string Password)> CreateUserAsync(FleetRole role, string? email = null)
    {
        var password = "pw-" + Guid.NewGuid().ToString("N");
        SecretRegistry.Register(password, "a password");
        var name = $"t-{role.ToString().ToLowerInvariant()}-{Guid.NewGuid().ToString("N")[..10]}";
        var user = await Services.GetRequiredService<UserService>()
            .CreateAsync(name, password, UserRoles.FromRank((int)role), email, CancellationToken.None);
        SecretRegistry.Register(user.PasswordHash, "a password hash");
        return (user, password);
    }

    /// <summary>Logs in through <c>POST /api/auth/login</c>; the refresh token is registered as a secret once issued.</summary>
    public async Task<(string AccessToken, string RefreshToken)> LoginTokensAsync(string username, string password)
    {
        var r = await Client.PostAsJsonAsync("/api/auth/login", new { username, password });
        var text = await r.Content.ReadAsStringAsync();
        if (!r.IsSuccessStatusCode) throw new InvalidOperationException($"Login of {username} failed: {(int)r.StatusCode} {text}");
        var body = JsonNode.Parse(text)!;
        var refresh = (string)body["refresh_token"]!;
        SecretRegistry.Register(refresh, "a refresh token after its issue");
        return ((string)body["access_token"]!, refresh);
    }

    /// <summary>
    /// A client logged in as a fresh user of this role (one per role per host), for tests of any
    /// family: <c>var admin = await app.LoginAsync(FleetRole.Admin);</c>.
    /// </summary>
    public Task<HttpClient> LoginAsync(FleetRole role) => _roleClients.GetOrAdd(role, async r =>
    {
        var (user, password) = await CreateUserAsync(r);
        var (access, _) = await LoginTokensAsync(user.Username, password);
        return CreateClient(access);
    });

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        foreach (var c in _roleClients.Values)
            if (c.IsCompletedSuccessfully) c.Result.Dispose();
        await App.StopAsync();
        await App.DisposeAsync();
    }
}
