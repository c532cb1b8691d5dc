using System.Diagnostics;
using System.Net.Http.Json;
using System.Text;
using Fleet.KubeEmulator;

namespace Fleet.Benchmarks;

/// <summary>N Fleet host processes (Release build) on an Azurite of their own (so KubeEdge's first registered cluster is the
/// emulator's) and the peers' broker, and the YARP proxy in front, started as infra/run.sh --hosts N does.</summary>
internal sealed class BenchFleet : IAsyncDisposable
{
    private readonly List<Process> _processes = [];
    public Uri[] Hosts { get; private init; } = [];
    public Uri Proxy { get; private init; } = null!;

    public static async Task<BenchFleet> StartAsync(string root, int n, KubeEmulatorServer cluster, CancellationToken ct)
    {
        var hub = "sh" + Guid.NewGuid().ToString("N")[..10];
        int bp = FreePort(), qp = FreePort(), tp = FreePort();
        const string key = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";
        var storage = $"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={key};BlobEndpoint=http://127.0.0.1:{bp}/devstoreaccount1;" +
                      $"QueueEndpoint=http://127.0.0.1:{qp}/devstoreaccount1;TableEndpoint=http://127.0.0.1:{tp}/devstoreaccount1;";
        var fleet = new BenchFleet { Hosts = [.. Enumerable.Range(0, n).Select(_ => new Uri($"http://127.0.0.1:{FreePort()}"))], Proxy = new Uri($"http://127.0.0.1:{FreePort()}") };
        fleet.Start(Path.Combine(root, ".tools/azurite/node_modules/.bin/azurite"), root, new(), ["--inMemoryPersistence", "--silent",
            "--skipApiVersionCheck", "--loose", "--disableTelemetry", "--blobPort", bp.ToString(), "--queuePort", qp.ToString(), "--tablePort", tp.ToString()]);
        await Task.Delay(3000, ct);
        foreach (var host in fleet.Hosts)
            fleet.Start(Path.Combine(root, "functions/bin/Release/net10.0/Fleet.Functions.dll"), root, new()
            {
                ["ASPNETCORE_URLS"] = host.ToString().TrimEnd('/'), ["Durable__HubName"] = hub, ["AzureWebJobsStorage"] = storage, ["Auth__Mode"] = "disabled",
                ["RateLimits__Enabled"] = "false", ["KubeEdge__TopicPrefix"] = hub + "/cloudcore", ["Logging__LogLevel__Default"] = "Warning",
                ["Durable__MessageVisibilityTimeout"] = "00:00:30",
            });
        fleet.Start(Path.Combine(root, "infra/proxy/bin/Release/net10.0/Fleet.Proxy.dll"), root, new()
        {
            ["ASPNETCORE_URLS"] = fleet.Proxy.ToString().TrimEnd('/'), ["Proxy__Backends"] = string.Join(',', fleet.Hosts.Select(h => h.ToString().TrimEnd('/'))),
            ["Logging__LogLevel__Default"] = "Warning",
        });
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        foreach (var target in fleet.Hosts.Append(fleet.Proxy))
            for (var deadline = DateTime.UtcNow.AddSeconds(120); ; await Task.Delay(500, ct))
            {
                try { if ((await http.GetAsync(new Uri(target, "/api/health"), ct)).IsSuccessStatusCode) break; }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException) { }
                if (DateTime.UtcNow > deadline) throw new TimeoutException($"{target} did not get healthy");
            }
        var add = await http.PostAsJsonAsync(new Uri(fleet.Proxy, "/api/kubilitics/v1/clusters"), new
        {
            kubeconfig_base64 = Convert.ToBase64String(Encoding.UTF8.GetBytes(cluster.KubeconfigYaml(hub))), context = hub, name = hub,
        }, ct);
        if (!add.IsSuccessStatusCode) throw new InvalidOperationException($"cluster registration: {(int)add.StatusCode} {await add.Content.ReadAsStringAsync(ct)}");
        return fleet;
    }

    private void Start(string file, string root, Dictionary<string, string> env, string[]? args = null)
    {
        var info = file.EndsWith(".dll")
            ? new ProcessStartInfo("dotnet", [file]) { WorkingDirectory = root, RedirectStandardOutput = true, RedirectStandardError = true }
            : new ProcessStartInfo(file, args ?? []) { WorkingDirectory = root, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var (k, v) in env) info.Environment[k] = v;
        var p = Process.Start(info)!;
        p.OutputDataReceived += (_, _) => { };
        p.ErrorDataReceived += (_, _) => { };
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        _processes.Add(p);
    }

    private static int FreePort()
    {
        var l = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        l.Start();
        var port = ((System.Net.IPEndPoint)l.LocalEndpoint).Port;
        l.Stop();
        return port;
    }

    public async ValueTask DisposeAsync()
    {
        _processes.Reverse();
        foreach (var p in _processes)
            if (!p.HasExited) Process.Start("kill", ["-TERM", p.Id.ToString()])?.WaitForExit(5000);
        foreach (var p in _processes)
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(15));
            try { await p.WaitForExitAsync(cts.Token); }
            catch (OperationCanceledException) { p.Kill(entireProcessTree: true); }
            p.Dispose();
        }
    }
}
