using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Fleet.Tests.Support;
using k8s;

namespace Fleet.Tests.Platform.SeveralHosts;

/// <summary>
/// A fleet of three host processes (functions/bin, exactly what infra/run.sh --hosts 3 starts) on a storage account of their
/// own (an Azurite started here, so no other test's timers or windows mix in), the shared mosquitto and dockerd, and the YARP
/// proxy (infra/proxy) in front. Host A starts first and is waited for, so it holds the singletons (timers, Docker pump)
/// when B and C join. A host killed by a test can be started again with <see cref="RestartAsync"/>.
/// </summary>
public sealed class SeveralHostsFixture : IAsyncLifetime
{
    public const string TimerName = "KubeEdgeTokenExpiry";
    private readonly List<ChildProcess> _processes = [];
    private string _storage = "";
    private readonly string _hub = "Mesh" + Guid.NewGuid().ToString("N")[..12];
    private readonly string _password = "mesh-" + Guid.NewGuid().ToString("N");
    public string TopicPrefix { get; } = "m" + Guid.NewGuid().ToString("N")[..10] + "/cloudcore";

    public TestCluster Cluster { get; private set; } = null!;
    public Uri[] Hosts { get; } = new Uri[3];
    public ChildProcess?[] HostProcesses { get; } = new ChildProcess?[3];
    public Uri Proxy { get; private set; } = null!;
    public string AdminToken { get; private set; } = "";
    public string EdgeNode { get; private set; } = "";

    public async Task InitializeAsync()
    {
        SecretRegistry.Register(_password, "the several-hosts admin password");
        _storage = await StartAzuriteAsync();
        Cluster = await TestCluster.CreateAsync();
        EdgeNode = (await Cluster.Client.CoreV1.ListNodeAsync(labelSelector: "node-role.kubernetes.io/edge")).Items[0].Metadata.Name;
        for (var i = 0; i < 3; i++) Hosts[i] = new Uri($"http://127.0.0.1:{Peers.FreePort()}");
        HostProcesses[0] = StartHost(0);
        await WaitReadyAsync(0);
        AdminToken = await LoginAsync(Hosts[0]);
        await EventuallyAsync(async () => (await SingletonsAsync(Hosts[0])).Where(h => h.Self).SelectMany(h => h.Singletons).ToList(),
            held => held.Contains("homei-docker-pump") && held.Contains("timer/" + TimerName), TimeSpan.FromSeconds(60));
        HostProcesses[1] = StartHost(1);
        HostProcesses[2] = StartHost(2);
        await Task.WhenAll(WaitReadyAsync(1), WaitReadyAsync(2));
        var proxyPort = Peers.FreePort();
        Proxy = new Uri($"http://127.0.0.1:{proxyPort}");
        _processes.Add(ChildProcess.Start("dotnet", [Path.Combine(Peers.RepoRoot, "infra/proxy/bin/Debug/net10.0/Fleet.Proxy.dll")],
            new Dictionary<string, string?>
            {
                ["ASPNETCORE_URLS"] = Proxy.ToString().TrimEnd('/'), ["Proxy__Backends"] = string.Join(',', Hosts.Select(h => h.ToString().TrimEnd('/'))),
                ["Logging__LogLevel__Default"] = "Warning",
            }, Peers.RepoRoot));
        try
        {
            await EventuallyAsync(async () => await TryStatusAsync(new Uri(Proxy, "/api/health")), s => s == 200, TimeSpan.FromSeconds(60));
        }
        catch (TimeoutException)
        {
            throw new InvalidOperationException($"the proxy did not answer /api/health:\n{_processes[^1].Tail()}");
        }
        using var admin = Client(Proxy);
        var add = await admin.PostAsJsonAsync("/api/kubilitics/v1/clusters", new
        {
            kubeconfig_base64 = Convert.ToBase64String(Encoding.UTF8.GetBytes(Cluster.KubeconfigYaml("mesh"))), context = "mesh", name = "mesh-" + _hub,
        });
        if (!add.IsSuccessStatusCode) throw new InvalidOperationException($"cluster registration: {(int)add.StatusCode} {await add.Content.ReadAsStringAsync()}");
    }

    private ChildProcess StartHost(int i)
    {
        var p = ChildProcess.Start("dotnet", [Path.Combine(Peers.RepoRoot, "functions/bin/Debug/net10.0/Fleet.Functions.dll")],
            new Dictionary<string, string?>
            {
                ["ASPNETCORE_URLS"] = Hosts[i].ToString().TrimEnd('/'),
                ["AzureWebJobsStorage"] = _storage,
                ["Mqtt__Broker"] = Peers.MqttBroker,
                ["Docker__Endpoint"] = Peers.DockerEndpoint,
                ["Durable__HubName"] = _hub,
                // What infra/run.sh --hosts sets: work a dead host had taken is visible to the others again after 30 s.
                ["Durable__MessageVisibilityTimeout"] = "00:00:30",
                ["Auth__BootstrapAdminPassword"] = _password,
                ["Auth__ResetAdminPassword"] = "true",
                ["KubeEdge__TopicPrefix"] = TopicPrefix,
                ["KubeEdge__AdvertiseAddress"] = "10.20.30.40",
                [$"Timers__{TimerName}__Schedule"] = "*/2 * * * * *",
                ["Logging__LogLevel__Default"] = "Warning",
            }, Peers.RepoRoot);
        _processes.Add(p);
        return p;
    }

    /// <summary>Starts host <paramref name="i"/> again after a test killed it, on the same port.</summary>
    public async Task RestartAsync(int i)
    {
        HostProcesses[i] = StartHost(i);
        await WaitReadyAsync(i);
    }

    private async Task WaitReadyAsync(int i)
    {
        try
        {
            await EventuallyAsync(async () => await TryStatusAsync(new Uri(Hosts[i], "/api/health")), s => s == 200, TimeSpan.FromSeconds(90));
        }
        catch (TimeoutException)
        {
            throw new InvalidOperationException($"host {i} did not get healthy:\n{HostProcesses[i]?.Tail()}");
        }
    }

    private static async Task<int> TryStatusAsync(Uri uri)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        try { return (int)(await http.GetAsync(uri)).StatusCode; }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException) { return 0; }
    }

    private async Task<string> LoginAsync(Uri host)
    {
        using var http = new HttpClient { BaseAddress = host, Timeout = TimeSpan.FromSeconds(30) };
        var r = await http.PostAsJsonAsync("/api/auth/login", new { username = "admin", password = _password });
        var body = JsonNode.Parse(await r.Content.ReadAsStringAsync())!;
        if (!r.IsSuccessStatusCode) throw new InvalidOperationException($"admin login: {(int)r.StatusCode} {body}");
        SecretRegistry.Register((string)body["refresh_token"]!, "a refresh token");
        return (string)body["access_token"]!;
    }

    /// <summary>A client of one host (or the proxy) as the fleet's admin; responses pass the secret filter.</summary>
    public HttpClient Client(Uri baseAddress, string? apiKey = null)
    {
        var c = new HttpClient(new SecretFilterHandler(new SocketsHttpHandler())) { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(30) };
        if (apiKey is not null) c.DefaultRequestHeaders.Add("X-API-Key", apiKey);
        else c.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", AdminToken);
        return c;
    }

    public sealed record HostRow(string HostId, bool Alive, bool Self, IReadOnlyList<string> Singletons);

    /// <summary><c>GET /api/hosts</c> as seen from <paramref name="via"/>.</summary>
    public async Task<List<HostRow>> SingletonsAsync(Uri via)
    {
        using var c = Client(via);
        var body = JsonNode.Parse(await c.GetStringAsync("/api/hosts"))!;
        return body["hosts"]!.AsArray().Select(h => new HostRow((string)h!["host_id"]!, (bool)h["alive"]!, (bool)h["self"]!,
            h["singletons"]!.AsArray().Select(s => (string)s!).ToList())).ToList();
    }

    /// <summary>The host id of each host process, read from its own <c>GET /api/hosts</c>.</summary>
    public async Task<string> HostIdAsync(int i) => (await SingletonsAsync(Hosts[i])).Single(h => h.Self).HostId;

    private async Task<string> StartAzuriteAsync()
    {
        var bin = Path.Combine(Peers.RepoRoot, ".tools/azurite/node_modules/.bin/azurite");
        if (!File.Exists(bin)) throw new InvalidOperationException($"{bin} is missing: infra/test.sh installs Azurite there");
        int bp = Peers.FreePort(), qp = Peers.FreePort(), tp = Peers.FreePort();
        _processes.Add(ChildProcess.Start(bin, ["--inMemoryPersistence", "--silent", "--skipApiVersionCheck", "--loose", "--disableTelemetry",
            "--blobHost", "127.0.0.1", "--blobPort", bp.ToString(), "--queueHost", "127.0.0.1", "--queuePort", qp.ToString(),
            "--tableHost", "127.0.0.1", "--tablePort", tp.ToString()], new Dictionary<string, string?>(), Peers.RepoRoot));
        await EventuallyAsync(async () =>
        {
            using var tcp = new System.Net.Sockets.TcpClient();
            try { await tcp.ConnectAsync("127.0.0.1", tp); return true; }
            catch (System.Net.Sockets.SocketException) { return false; }
        }, ok => ok, TimeSpan.FromSeconds(30));
        const string key = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";
        return $"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={key};BlobEndpoint=http://127.0.0.1:{bp}/devstoreaccount1;" +
               $"QueueEndpoint=http://127.0.0.1:{qp}/devstoreaccount1;TableEndpoint=http://127.0.0.1:{tp}/devstoreaccount1;";
    }

    public static async Task<T> EventuallyAsync<T>(Func<Task<T>> read, Func<T, bool> done, TimeSpan timeout, int pollMs = 200)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var v = await read();
            if (done(v)) return v;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"condition not met within {timeout}; last value: {v}");
            await Task.Delay(pollMs);
        }
    }

    public async Task DisposeAsync()
    {
        // Hosts first (they release their leases), then the proxy and Azurite.
        foreach (var p in _processes.AsEnumerable().Reverse()) await p.DisposeAsync();
        if (Cluster is not null) await Cluster.DisposeAsync();
    }
}
