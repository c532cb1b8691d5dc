using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;
using Fleet.KubeEmulator;

namespace Fleet.Benchmarks;

/// <summary>
/// Several hosts behind the YARP proxy (what infra/run.sh --hosts N starts): requests/s of a mixed workload (4 reads of the
/// device list to 1 device join) through the proxy with 1, 2 and 3 host processes, errors counted, and the delivery latency
/// of a device_joined event raised on host 1 to an SSE client on the last host (p50, p99). Needs the peers (source peers.env)
/// and a Release build of functions/ (dotnet run -c Release builds it). Arguments: [seconds] [concurrency].
/// </summary>
public sealed class SeveralHostsBenchmark : IBenchmark
{
    public string Name => "several-hosts";
    public string Description => "mixed workload through the YARP proxy with 1, 2, 3 hosts (requests/s, errors) and cross-host event latency";

    private sealed record Round(int Hosts, double Rps, double P50, double P99, int Requests, int Errors, double? EventP50, double? EventP99, int Events);

    public async Task<int> RunAsync(string[] args, CancellationToken ct)
    {
        var seconds = args.Length > 0 ? int.Parse(args[0]) : 10;
        var concurrency = args.Length > 1 ? int.Parse(args[1]) : 16;
        var root = BenchResults.RepoRoot();
        var build = Process.Start("dotnet", ["build", Path.Combine(root, "infra/proxy/Fleet.Proxy.csproj"), "-c", "Release", "-v", "q", "-nologo"])!;
        await build.WaitForExitAsync(ct);
        if (build.ExitCode != 0) return 1;
        await using var cluster = await KubeEmulatorServer.StartAsync(ct: ct);
        var rounds = new List<Round>();
        foreach (var n in new[] { 1, 2, 3 })
        {
            await using var fleet = await BenchFleet.StartAsync(root, n, cluster, ct);
            rounds.Add(await MeasureAsync(fleet, n, seconds, concurrency, ct));
        }

        Console.WriteLine();
        Console.WriteLine("| hosts | requests/s | p50 ms | p99 ms | errors | event p50 ms | event p99 ms |");
        Console.WriteLine("|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var r in rounds)
            Console.WriteLine($"| {r.Hosts} | {r.Rps:F0} | {r.P50:F1} | {r.P99:F1} | {r.Errors} | {r.EventP50?.ToString("F1") ?? "-"} | {r.EventP99?.ToString("F1") ?? "-"} |");
        Console.WriteLine($"{seconds} s per round, {concurrency} concurrent clients, 4 reads : 1 write; on {Environment.ProcessorCount} cores the storage emulator is the ceiling");
        await BenchResults.WriteAsync("several-hosts", new { benchmark = "several-hosts", date = DateTimeOffset.UtcNow, seconds, concurrency, rounds });
        return rounds.All(r => r.Errors == 0) ? 0 : 1;
    }

    private static async Task<Round> MeasureAsync(BenchFleet fleet, int hosts, int seconds, int concurrency, CancellationToken ct)
    {
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = concurrency }) { BaseAddress = fleet.Proxy, Timeout = TimeSpan.FromSeconds(30) };
        var prefix = "sh" + Guid.NewGuid().ToString("N")[..6];
        var counter = 0;
        var errors = 0;
        var latencies = new List<double>[concurrency];
        var end = Stopwatch.GetTimestamp() + Stopwatch.Frequency * seconds;
        var started = Stopwatch.GetTimestamp();
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async i =>
        {
            var mine = latencies[i] = [];
            for (var k = 0; Stopwatch.GetTimestamp() < end; k++)
            {
                var t = Stopwatch.GetTimestamp();
                using var r = k % 5 == 4
                    ? await http.PostAsync("/api/kubeedge/device/join", Json($$"""{"node_name":"edge-{{k % 5}}","device_id":"{{prefix}}-{{Interlocked.Increment(ref counter)}}"}"""), ct)
                    : await http.GetAsync("/api/kubeedge/devices?limit=20", ct);
                await r.Content.ReadAsByteArrayAsync(ct);
                if (!r.IsSuccessStatusCode) Interlocked.Increment(ref errors);
                mine.Add(Stopwatch.GetElapsedTime(t).TotalMilliseconds);
            }
        }));
        var elapsed = Stopwatch.GetElapsedTime(started).TotalSeconds;
        var all = latencies.SelectMany(l => l).Order().ToArray();
        var events = await EventLatencyAsync(fleet, prefix + "-ev", ct);
        return new Round(hosts, all.Length / elapsed, all[all.Length / 2], all[(int)(all.Length * 0.99)], all.Length, errors,
            events.Length > 0 ? events[events.Length / 2] : null, events.Length > 0 ? events[(int)(events.Length * 0.99)] : null, events.Length);
    }

    /// <summary>50 joins on host 1, each timed from the request to its device_joined on an SSE stream of the last host.</summary>
    private static async Task<double[]> EventLatencyAsync(BenchFleet fleet, string prefix, CancellationToken ct)
    {
        using var sseClient = new HttpClient { BaseAddress = fleet.Hosts[^1], Timeout = Timeout.InfiniteTimeSpan };
        using var joinClient = new HttpClient { BaseAddress = fleet.Hosts[0], Timeout = TimeSpan.FromSeconds(30) };
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        stop.CancelAfter(TimeSpan.FromMinutes(2));
        using var response = await sseClient.GetAsync("/api/kubeedge/monitor/stream", HttpCompletionOption.ResponseHeadersRead, stop.Token);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(stop.Token));
        var sent = new Dictionary<string, long>();
        var latencies = new List<double>();
        var reading = Task.Run(async () =>
        {
            while (latencies.Count < 50 && await reader.ReadLineAsync(stop.Token) is { } line)
            {
                if (!line.StartsWith("data: ")) continue;
                var id = (string?)JsonNode.Parse(line[6..])?["device_id"];
                long at;
                lock (sent) if (id is null || !sent.TryGetValue(id, out at)) continue;
                latencies.Add(Stopwatch.GetElapsedTime(at).TotalMilliseconds);
            }
        }, stop.Token);
        await Task.Delay(500, ct);
        for (var i = 0; i < 50; i++)
        {
            var id = $"{prefix}-{i}";
            lock (sent) sent[id] = Stopwatch.GetTimestamp();
            using var r = await joinClient.PostAsync("/api/kubeedge/device/join", Json($$"""{"node_name":"edge-1","device_id":"{{id}}"}"""), ct);
            await Task.Delay(20, ct);
        }
        try { await reading; }
        catch (OperationCanceledException) { }
        return [.. latencies.Order()];
    }

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");
}
