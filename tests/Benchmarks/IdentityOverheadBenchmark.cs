using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;
using Fleet.Core.Platform.Identity;
using Fleet.Functions;
using Fleet.Functions.Platform.Auth;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Fleet.Benchmarks;

/// <summary>
/// Identity overhead: requests/s and p99 of an authenticated cheap endpoint through Fleet's whole
/// pipeline (correlation, metrics, errors, authentication, audit, rate limits, authorization)
/// against a bare Kestrel endpoint answering the same bytes; same client, same run, loopback.
/// Needs the peers (source peers.env). Arguments: [seconds] [concurrency] [jwt|key] (the credential: an
/// access token, the default, or an API key in <c>X-API-Key</c>).
/// </summary>
public sealed class IdentityOverheadBenchmark : IBenchmark
{
    public string Name => "identity";
    public string Description => "authenticated request pipeline vs bare Kestrel (requests/s ratio, p99)";

    private static readonly byte[] Payload = Encoding.UTF8.GetBytes("{\"ok\":true}");

    public async Task<int> RunAsync(string[] args, CancellationToken ct)
    {
        var seconds = args.Length > 0 ? int.Parse(args[0]) : 10;
        var concurrency = args.Length > 1 ? int.Parse(args[1]) : 32;
        var useKey = args.Length > 2 && args[2] == "key";

        // Bare Kestrel: nothing but the route.
        var bareBuilder = WebApplication.CreateSlimBuilder();
        bareBuilder.WebHost.UseUrls("http://127.0.0.1:0");
        bareBuilder.Logging.ClearProviders();
        var bare = bareBuilder.Build();
        bare.MapGet("/api/kubilitics/v1/bench", Answer);
        await bare.StartAsync(ct);

        // Fleet: the real host; the limits are scaled up so the limiter runs without refusing the load.
        var fleetBuilder = FleetHost.CreateBuilder([], b =>
        {
            b.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["RateLimits:Scale"] = "1000000",
                ["Logging:LogLevel:Default"] = "Warning",
            });
            b.WebHost.UseUrls("http://127.0.0.1:0");
        });
        var fleet = FleetHost.Build(fleetBuilder, app =>
            app.MapGet("/api/kubilitics/v1/bench", Answer).RequireRole(FleetRole.Viewer).ExcludeFromDescription());
        await fleet.StartAsync(ct);

        var users = fleet.Services.GetRequiredService<UserService>();
        var user = await users.CreateAsync("bench-" + Guid.NewGuid().ToString("N")[..10], Guid.NewGuid().ToString("N"), UserRoles.Viewer, null);
        using var client = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = concurrency });
        if (useKey)
            client.DefaultRequestHeaders.Add(FleetAuthenticationHandler.ApiKeyHeader,
                (await fleet.Services.GetRequiredService<ApiKeyService>().CreateAsync(user.Id, "bench", null)).Key);
        else
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer",
                (await fleet.Services.GetRequiredService<TokenService>().StartSessionAsync(user)).AccessToken);

        var bareResult = await Load.RunAsync(client, "bare Kestrel", Address(bare) + "/api/kubilitics/v1/bench", seconds, concurrency, ct);
        var fleetResult = await Load.RunAsync(client, "Fleet pipeline", Address(fleet) + "/api/kubilitics/v1/bench", seconds, concurrency, ct);
        var ratio = fleetResult.Rps / bareResult.Rps;

        Console.WriteLine();
        Console.WriteLine("| endpoint | requests/s | p50 ms | p99 ms |");
        Console.WriteLine("|---|---:|---:|---:|");
        foreach (var r in new[] { bareResult, fleetResult })
            Console.WriteLine($"| {r.Name} | {r.Rps:F0} | {r.P50:F2} | {r.P99:F2} |");
        Console.WriteLine();
        Console.WriteLine($"ratio Fleet / bare: {ratio:F2} (goal >= 0.6); {seconds} s per run, {concurrency} concurrent requests, {(useKey ? "API key" : "access token")}");

        await BenchResults.WriteAsync("identity", new
        {
            benchmark = "identity-overhead", date = DateTimeOffset.UtcNow, seconds, concurrency, credential = useKey ? "key" : "jwt",
            bare = bareResult, fleet = fleetResult, ratio, goal = 0.6,
        });
        await fleet.StopAsync(ct);
        await bare.StopAsync(ct);
        return 0;
    }

    private static Task Answer(HttpContext c)
    {
        c.Response.ContentType = "application/json";
        return c.Response.Body.WriteAsync(Payload).AsTask();
    }

    private static string Address(WebApplication app) =>
        app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
}

/// <summary>A closed-loop load: <c>concurrency</c> callers, each sending its next request when the last one answered.</summary>
public static class Load
{
    public sealed record Result(string Name, double Rps, double P50, double P99, int Requests);

    public static async Task<Result> RunAsync(HttpClient client, string name, string url, int seconds, int concurrency, CancellationToken ct)
    {
        // Warm up connections, JIT and caches before measuring.
        var warmEnd = Stopwatch.GetTimestamp() + Stopwatch.Frequency * 2;
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async _ =>
        {
            while (Stopwatch.GetTimestamp() < warmEnd) await OnceAsync(client, url, ct);
        }));

        var latencies = new List<double>[concurrency];
        var end = Stopwatch.GetTimestamp() + Stopwatch.Frequency * seconds;
        var started = Stopwatch.GetTimestamp();
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async i =>
        {
            var mine = latencies[i] = new List<double>();
            while (Stopwatch.GetTimestamp() < end)
            {
                var t = Stopwatch.GetTimestamp();
                await OnceAsync(client, url, ct);
                mine.Add(Stopwatch.GetElapsedTime(t).TotalMilliseconds);
            }
        }));
        var elapsed = Stopwatch.GetElapsedTime(started).TotalSeconds;
        var all = latencies.SelectMany(l => l).OrderBy(x => x).ToArray();
        return new Result(name, all.Length / elapsed, all[all.Length / 2], all[(int)(all.Length * 0.99)], all.Length);
    }

    private static async Task OnceAsync(HttpClient client, string url, CancellationToken ct)
    {
        using var r = await client.GetAsync(url, ct);
        if (!r.IsSuccessStatusCode) throw new InvalidOperationException($"{url} answered {(int)r.StatusCode}");
        await r.Content.ReadAsByteArrayAsync(ct);
    }
}
