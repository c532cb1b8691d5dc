using Fleet.Functions;
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
        Client = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(60) };
    }

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
            ["Logging:LogLevel:Default"] = "Warning",
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

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await App.StopAsync();
        await App.DisposeAsync();
    }
}
