using System.Net;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json.Nodes;
using Docker.DotNet;
using Docker.DotNet.Models;
using Fleet.Tests.Support;
using k8s;

namespace Fleet.Tests.Platform.SeveralHosts;

/// <summary>
/// Issue 19's acceptance with three host processes, the YARP proxy, mosquitto and an Azurite of their own: events cross
/// hosts and resume anywhere, rate limits hold for the fleet, a deleted API key is refused everywhere within a second,
/// singletons move when their host dies, and a batch join survives a SIGKILLed host.
/// </summary>
public sealed class SeveralHostsTests(SeveralHostsFixture f) : IClassFixture<SeveralHostsFixture>
{
    private sealed record Sse(long Id, JsonNode Data);

    private static string Unique(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 13)];

    private static bool Joined(Sse e, string device) => (string?)e.Data["event"] == "device_joined" && (string?)e.Data["device_id"] == device;

    /// <summary>SSE frames from one host until <paramref name="until"/> holds, then whatever else comes within a second.</summary>
    private async Task<List<Sse>> ReadSseAsync(Uri host, string? lastEventId, Func<List<Sse>, bool> until, Func<Task>? whileOpen = null)
    {
        using var client = f.Client(host);
        using var req = new HttpRequestMessage(HttpMethod.Get, "/api/kubeedge/monitor/stream");
        if (lastEventId is not null) req.Headers.Add("Last-Event-ID", lastEventId);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        using var r = await client.SendAsync(req, HttpCompletionOption.ResponseHeadersRead, cts.Token);
        Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        using var reader = new StreamReader(await r.Content.ReadAsStreamAsync(cts.Token));
        var events = new List<Sse>();
        var act = whileOpen?.Invoke() ?? Task.CompletedTask;
        long? id = null;
        async Task<bool> ReadOneAsync(CancellationToken ct)
        {
            var line = await reader.ReadLineAsync(ct) ?? throw new InvalidOperationException("stream ended");
            if (line.StartsWith("id: ")) id = long.Parse(line[4..]);
            else if (line.StartsWith("data: ")) events.Add(new Sse(id!.Value, JsonNode.Parse(line[6..])!));
            return true;
        }
        while (!until(events)) await ReadOneAsync(cts.Token);
        await act;
        using var linger = CancellationTokenSource.CreateLinkedTokenSource(cts.Token);
        linger.CancelAfter(TimeSpan.FromSeconds(1));
        try { while (true) await ReadOneAsync(linger.Token); }
        catch (OperationCanceledException) { }
        return events;
    }

    private async Task JoinAsync(HttpClient client, string device)
    {
        var r = await client.PostAsync("/api/kubeedge/device/join",
            new StringContent($$"""{"node_name":"{{f.EdgeNode}}","device_id":"{{device}}"}""", Encoding.UTF8, "application/json"));
        Assert.True(r.StatusCode == HttpStatusCode.Created, await r.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task An_event_raised_on_one_host_reaches_streams_on_the_others_and_Last_Event_ID_resumes_on_another_host()
    {
        using var a = f.Client(f.Hosts[0]);
        var first = Unique("d1");
        var onB = await ReadSseAsync(f.Hosts[1], null, ev => ev.Any(e => Joined(e, first)), async () =>
        {
            await Task.Delay(500);
            await JoinAsync(a, first);
        });
        var seen = onB.Single(e => Joined(e, first));

        // The client is away while two more devices join through host A; it comes back to host C with its last id.
        string[] missed = [Unique("d2"), Unique("d3")];
        foreach (var d in missed) await JoinAsync(a, d);
        var resumed = await ReadSseAsync(f.Hosts[2], seen.Id.ToString(), ev => missed.All(d => ev.Any(e => Joined(e, d))));
        Assert.All(resumed, e => Assert.True(e.Id > seen.Id));
        Assert.Equal(missed.Order(), resumed.Where(e => (string?)e.Data["event"] == "device_joined").Select(e => (string)e.Data["device_id"]!).Order());
    }

    [Fact]
    public async Task A_container_event_from_the_Docker_pump_reaches_a_WebSocket_on_another_host_once()
    {
        var pump = await HolderAsync("homei-docker-pump");
        await AssertContainerStartSeenOnceAsync(f.Hosts[(pump + 1) % 3]);
    }

    /// <summary>The live host process that runs <paramref name="singleton"/>, by what each says of itself.</summary>
    private async Task<int> HolderAsync(string singleton) => await SeveralHostsFixture.EventuallyAsync(async () =>
    {
        for (var i = 0; i < 3; i++)
            if (f.HostProcesses[i] is { HasExited: false } && (await f.SingletonsAsync(f.Hosts[i])).Single(h => h.Self).Singletons.Contains(singleton))
                return i;
        return -1;
    }, i => i >= 0, TimeSpan.FromSeconds(45), 500);

    private async Task AssertContainerStartSeenOnceAsync(Uri host)
    {
        using var ws = new ClientWebSocket();
        ws.Options.SetRequestHeader("Authorization", "Bearer " + f.AdminToken);
        using var connect = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        await ws.ConnectAsync(new UriBuilder(host) { Scheme = "ws", Path = "/api/homei/ws/events" }.Uri, connect.Token);
        using var docker = new DockerClientConfiguration(new Uri(Peers.DockerEndpoint)).CreateClient();
        var name = Unique("mesh");
        var created = await docker.Containers.CreateContainerAsync(new CreateContainerParameters
        {
            Image = "local/busybox:1", Name = name, Cmd = ["sleep", "30"],
        });
        try
        {
            await docker.Containers.StartContainerAsync(created.ID, new ContainerStartParameters());
            var starts = 0;
            using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            var buffer = new byte[64 * 1024];
            CancellationTokenSource? linger = null;
            try
            {
                while (true)
                {
                    var token = linger?.Token ?? deadline.Token;
                    var r = await ws.ReceiveAsync(buffer, token);
                    var e = JsonNode.Parse(Encoding.UTF8.GetString(buffer, 0, r.Count))!;
                    if ((string?)e["type"] != "container.start" || (string?)e["data"]?["name"] != name) continue;
                    starts++;
                    // After the first, a second second for a duplicate (one per host that pumped) to show up.
                    linger ??= CancellationTokenSource.CreateLinkedTokenSource(deadline.Token);
                    linger.CancelAfter(TimeSpan.FromSeconds(1.5));
                }
            }
            catch (OperationCanceledException) when (linger is not null)
            {
            }
            finally
            {
                linger?.Dispose();
            }
            Assert.Equal(1, starts);
        }
        finally
        {
            await docker.Containers.RemoveContainerAsync(created.ID, new ContainerRemoveParameters { Force = true });
        }
    }

    [Fact]
    public async Task One_and_a_half_times_the_limit_round_robin_over_three_hosts_is_cut_at_the_limit()
    {
        // Kubilitics GET: 120 per minute per client IP (its seed). 180 requests, one host after the other.
        var clients = f.Hosts.Select(h => f.Client(h)).ToArray();
        try
        {
            var statuses = new List<int>();
            for (var i = 0; i < 180; i++)
                statuses.Add((int)(await clients[i % 3].GetAsync("/api/kubilitics/v1/auth/me")).StatusCode);
            Assert.All(statuses, s => Assert.True(s is 200 or 429, $"status {s}"));
            var ok = statuses.Count(s => s == 200);
            var first429 = statuses.IndexOf(429);
            Assert.InRange(ok, 108, 132);
            Assert.InRange(first429, 108, 132);
            Assert.All(statuses.Skip(132), s => Assert.Equal(429, s));
        }
        finally
        {
            foreach (var c in clients) c.Dispose();
        }
    }

    [Fact]
    public async Task An_API_key_deleted_through_one_host_is_refused_by_the_others_within_a_second()
    {
        using var a = f.Client(f.Hosts[0]);
        var created = JsonNode.Parse(await (await a.PostAsJsonAsync("/api/kubilitics/v1/auth/api-keys", new { name = "mesh" })).Content.ReadAsStringAsync())!;
        var key = (string)created["key"]!;
        SecretRegistry.Register(key, "an API key");
        var others = new[] { f.Client(f.Hosts[1], apiKey: key), f.Client(f.Hosts[2], apiKey: key) };
        try
        {
            // Both hosts know (and cache) the key.
            foreach (var o in others)
            {
                var known = await o.GetAsync("/api/hosts");
                Assert.True(known.StatusCode == HttpStatusCode.OK, await known.Content.ReadAsStringAsync());
            }
            using var delete = new HttpRequestMessage(HttpMethod.Delete, $"/api/kubilitics/v1/auth/api-keys/{(string)created["id"]!}");
            delete.Headers.Add("X-Confirm-Destructive", "true");
            Assert.Equal(HttpStatusCode.OK, (await a.SendAsync(delete)).StatusCode);
            var deleted = DateTime.UtcNow;
            foreach (var o in others)
            {
                HttpStatusCode status;
                // Every 50 ms: a tight loop would spend the key's 100 requests a minute before the second is over (429).
                while ((status = (await o.GetAsync("/api/hosts")).StatusCode) == HttpStatusCode.OK && DateTime.UtcNow - deleted < TimeSpan.FromSeconds(1))
                    await Task.Delay(50);
                Assert.Equal(HttpStatusCode.Unauthorized, status);
            }
        }
        finally
        {
            foreach (var o in others) o.Dispose();
        }
    }

    [Fact]
    public async Task Killing_the_host_that_runs_the_timer_and_the_pump_moves_them_and_the_next_ticks_run_once()
    {
        var timer = "timer/" + SeveralHostsFixture.TimerName;
        // The fixture started host A first, so one host runs both; after other tests moved one of them, kill the pump's.
        var victim = await HolderAsync("homei-docker-pump");
        var holderId = await f.HostIdAsync(victim);
        var survivor = f.Hosts[(victim + 1) % 3];
        f.HostProcesses[victim]!.Kill();
        try
        {
            // Within a lease period (15 s) and a retry, live hosts run both again.
            var after = await SeveralHostsFixture.EventuallyAsync(() => f.SingletonsAsync(survivor),
                hs => hs.Any(h => h.Alive && h.HostId != holderId && h.Singletons.Contains("homei-docker-pump")) &&
                      hs.Any(h => h.Alive && h.HostId != holderId && h.Singletons.Contains(timer)), TimeSpan.FromSeconds(45), 500);
            var timerHost = after.Single(h => h.Alive && h.HostId != holderId && h.Singletons.Contains(timer)).HostId;

            // Ticks every 2 s: each one runs on the new holder, and no tick runs twice (runs grow by at most one per tick).
            var first = await TimerAsync(survivor);
            var later = await SeveralHostsFixture.EventuallyAsync(() => TimerAsync(survivor),
                t => t.LastRun >= first.LastRun.AddSeconds(6), TimeSpan.FromSeconds(30), 500);
            Assert.Equal(timerHost, later.LastHost);
            var ticks = (int)Math.Round((later.LastRun - first.LastRun).TotalSeconds / 2);
            Assert.InRange(later.Runs - first.Runs, 1, ticks);

            await AssertContainerStartSeenOnceAsync(survivor);
        }
        finally
        {
            await f.RestartAsync(victim);
        }
    }

    private sealed record TimerState(DateTimeOffset LastRun, string? LastHost, long Runs);

    private async Task<TimerState> TimerAsync(Uri host)
    {
        using var c = f.Client(host);
        var t = JsonNode.Parse(await c.GetStringAsync("/api/timers"))!["timers"]!.AsArray()
            .Single(x => (string?)x!["name"] == SeveralHostsFixture.TimerName)!;
        return new TimerState(DateTimeOffset.Parse((string)t["last_run"]!), (string?)t["last_host"], (long)t["runs"]!);
    }

    [Fact]
    public async Task A_batch_join_through_the_proxy_completes_and_again_with_a_host_killed_during_it()
    {
        using var proxy = f.Client(f.Proxy);
        var calm = await BatchJoinAsync(proxy, Unique("calm"), 200, null);
        Assert.Equal(200, (int)calm["joined"]!);

        var victim = 2;
        var stormy = Unique("kill");
        var output = await BatchJoinAsync(proxy, stormy, 400, async () =>
        {
            await Task.Delay(300);
            f.HostProcesses[victim]!.Kill();
        });
        try
        {
            // No device lost, none joined twice: 400 results, one per device, every one "joined" by this batch.
            var results = output["results"]!.AsArray();
            Assert.Equal(400, results.Count);
            // The 200 answer speaks the seed (device_id); the status endpoint's output is the orchestration's JSON (deviceId).
            Assert.Equal(400, results.Select(r => (string?)(r!["device_id"] ?? r["deviceId"])).Where(d => d?.StartsWith(stormy) == true).Distinct().Count());
            Assert.All(results, r => Assert.Equal("joined", (string?)r!["result"]));
            var crs = await TestCluster.ItemsAsync(() => f.Cluster.Client.CustomObjects.ListNamespacedCustomObjectAsync(
                Fleet.Core.KubeEdge.DeviceService.Group, Fleet.Core.KubeEdge.DeviceService.ApiVersion, Fleet.Core.KubeEdge.DeviceService.DeviceNamespace,
                Fleet.Core.KubeEdge.DeviceService.Plural));
            Assert.Equal(400, crs.Count(c => ((string?)c["metadata"]!["name"])!.StartsWith(stormy)));
        }
        finally
        {
            await f.RestartAsync(victim);
        }
    }

    /// <summary>Starts a batch through the proxy and follows its check-status link (which names the proxy) to the end, as a
    /// client behind a load balancer would: a poll that lands on a host while it dies is tried again.</summary>
    private async Task<JsonNode> BatchJoinAsync(HttpClient proxy, string prefix, int count, Func<Task>? meanwhile)
    {
        var devices = Enumerable.Range(0, count).Select(i => new JsonObject { ["node_name"] = $"edge-{i % 5}", ["device_id"] = $"{prefix}-{i:d3}" });
        var body = new JsonObject { ["devices"] = new JsonArray(devices.ToArray<JsonNode?>()) }.ToJsonString();
        var r = await proxy.PostAsync("/api/kubeedge/batch-join", new StringContent(body, Encoding.UTF8, "application/json"));
        var text = await r.Content.ReadAsStringAsync();
        Assert.True(r.StatusCode is HttpStatusCode.OK or HttpStatusCode.Accepted, text);
        var act = meanwhile?.Invoke() ?? Task.CompletedTask;
        if (r.StatusCode == HttpStatusCode.OK)
        {
            await act;
            return JsonNode.Parse(text)!;
        }
        var link = new Uri((string)JsonNode.Parse(text)!["statusQueryGetUri"]!);
        Assert.Equal(f.Proxy.Authority, link.Authority);
        var done = await SeveralHostsFixture.EventuallyAsync(async () =>
        {
            using var poll = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            try
            {
                var s = await proxy.GetAsync(link, poll.Token);
                return s.IsSuccessStatusCode ? JsonNode.Parse(await s.Content.ReadAsStringAsync(poll.Token)) : null;
            }
            catch (Exception e) when (e is HttpRequestException or OperationCanceledException) { return null; }
        }, s => (string?)s?["runtimeStatus"] is "Completed" or "Failed", TimeSpan.FromSeconds(120), 1000);
        await act;
        Assert.Equal("Completed", (string?)done!["runtimeStatus"]);
        return done["output"]!;
    }
}
