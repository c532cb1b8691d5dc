using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;
using Fleet.Core.Kubernetes;
using Fleet.Functions;
using Fleet.KubeEmulator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Fleet.Benchmarks;

/// <summary>
/// KubeEdge batch join of 1,000 devices, end to end: HTTP request → orchestration → last Device CR in
/// the emulator. Needs the real peers (source peers.env). Argument: [device count].
/// </summary>
public sealed class KubeEdgeBatchJoinBenchmark : IBenchmark
{
    public string Name => "kubeedge";
    public string Description => "batch join of 1,000 devices over HTTP to the last Device CR (devices/s, total time)";

    public async Task<int> RunAsync(string[] args, CancellationToken ct)
    {
        var count = args.Length > 0 && int.TryParse(args[0], out var n) ? n : 1000;
        await using var cluster = await KubeEmulatorServer.StartAsync(ct: ct);
        var builder = FleetHost.CreateBuilder([], b =>
        {
            b.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["AzureWebJobsStorage"] = Env("AzureWebJobsStorage"),
                ["Mqtt:Broker"] = Env("Mqtt__Broker"),
                ["Auth:Mode"] = "disabled",
                ["Durable:HubName"] = "bench" + Guid.NewGuid().ToString("N")[..10],
                ["KubeEdge:SyncWaitSeconds"] = "60",
                ["Logging:LogLevel:Default"] = "Warning",
            });
            b.WebHost.UseUrls("http://127.0.0.1:0");
        });
        await using var app = FleetHost.Build(builder);
        await app.StartAsync(ct);
        var baseUrl = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        var registered = await app.Services.GetRequiredService<ClusterRegistry>().AddAsync(new ClusterRegistration(null,
            Convert.ToBase64String(Encoding.UTF8.GetBytes(cluster.KubeconfigYaml("bench"))), "bench", "bench-" + Guid.NewGuid().ToString("N")[..8]), ct);
        app.Configuration["KubeEdge:ClusterId"] = registered.Id;
        using var http = new HttpClient { BaseAddress = new Uri(baseUrl), Timeout = TimeSpan.FromMinutes(10) };

        var prefix = "bench-" + Guid.NewGuid().ToString("N")[..6];
        var devices = new JsonArray(Enumerable.Range(0, count)
            .Select(i => (JsonNode?)new JsonObject { ["node_name"] = $"edge-{i % 20}", ["device_id"] = $"{prefix}-{i:d4}" }).ToArray());
        var body = new JsonObject { ["devices"] = devices }.ToJsonString();

        var sw = Stopwatch.StartNew();
        var response = await http.PostAsync("/api/kubeedge/batch-join",
            new ByteArrayContent(Encoding.UTF8.GetBytes(body)) { Headers = { ContentType = new("application/json") } }, ct);
        var answer = JsonNode.Parse(await response.Content.ReadAsStringAsync(ct))!;
        if ((int)response.StatusCode == 202)
        {
            var link = (string)answer["statusQueryGetUri"]!;
            while ((string?)(answer = JsonNode.Parse(await http.GetStringAsync(link, ct))!)["runtimeStatus"] is "Running" or "Pending")
                await Task.Delay(200, ct);
        }
        else if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"batch-join answered {(int)response.StatusCode}: {answer}");
        // The end is the last Device CR in the cluster, not the HTTP answer.
        while (cluster.Store.List("devices.kubeedge.io/v1beta1", "Device").Count(d => ((string)d["metadata"]!["name"]!).StartsWith(prefix)) < count)
        {
            if (sw.Elapsed > TimeSpan.FromMinutes(10)) throw new TimeoutException("Device CRs did not all appear");
            await Task.Delay(50, ct);
        }
        sw.Stop();

        Console.WriteLine("| devices | total s | devices/s | goal |");
        Console.WriteLine("|---:|---:|---:|---|");
        Console.WriteLine($"| {count} | {sw.Elapsed.TotalSeconds:F2} | {count / sw.Elapsed.TotalSeconds:F1} | ≤ 20 s |");
        await BenchResults.WriteAsync("kubeedge", new
        {
            benchmark = "kubeedge-batch-join", devices = count, total_seconds = Math.Round(sw.Elapsed.TotalSeconds, 2),
            devices_per_second = Math.Round(count / sw.Elapsed.TotalSeconds, 1), goal_seconds = 20,
            processors = Environment.ProcessorCount, at = DateTimeOffset.UtcNow,
        });
        await app.StopAsync(ct);
        return 0;
    }

    private static string Env(string name) => Environment.GetEnvironmentVariable(name) is { Length: > 0 } v ? v
        : throw new InvalidOperationException($"{name} is not set: start the peers and source peers.env");
}
