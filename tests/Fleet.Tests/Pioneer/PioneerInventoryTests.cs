using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Docker.DotNet;
using Docker.DotNet.Models;
using Fleet.Core.KubeEdge;
using Fleet.Core.Platform.Storage;
using Fleet.Functions.Platform.Auth;
using Fleet.Tests.Support;
using k8s;
using k8s.Models;

namespace Fleet.Tests.Pioneer;

/// <summary>
/// CloudPioneer's inventory over real peers: a container of dockerd (Homei), a device of the KubeEdge device store
/// (Azurite) and a pod of the emulator cluster registered through Kubilitics, with usage, tags and price-sheet cost.
/// Other tests share these peers, so every query here narrows to this test's unique name.
/// </summary>
public sealed class PioneerInventoryFixture : IAsyncLifetime
{
    public string U => _u;
    public string ContainerId => _containerId;
    public string ClusterId => _clusterId;
    public string Ns => _ns;
    public HttpClient Viewer => _viewer;
    public FleetApp App => _app;
    public TestCluster Cluster => _cluster;
    private readonly string _u = Guid.NewGuid().ToString("N")[..8];
    private readonly DockerClient _docker = new DockerClientConfiguration(new Uri(Peers.DockerEndpoint)).CreateClient();
    private TestCluster _cluster = null!;
    private FleetApp _app = null!;
    private HttpClient _viewer = null!;
    private string _containerId = "";
    private string _clusterId = "";
    private string _ns = "";

    public async Task InitializeAsync()
    {
        _cluster = await TestCluster.CreateEmulatedAsync();
        _app = await FleetApp.StartAsync(new Dictionary<string, string?>
        {
            ["RateLimits__Scale"] = "100",
            ["Pioneer__Prices__VcpuHour"] = "0.04",
            ["Pioneer__Prices__MemoryGibHour"] = "0.005",
            ["Pioneer__Prices__DiskGibMonth"] = "0",
            ["Pioneer__Prices__EdgeDeviceMonth"] = "7.3",
            ["Pioneer__PriceOverrides__0__Tag"] = "team=backend",
            ["Pioneer__PriceOverrides__0__Prices__VcpuHour"] = "0.08",
        });
        _viewer = await _app.LoginAsync(FleetRole.Viewer);
        var admin = await _app.LoginAsync(FleetRole.Admin);

        // A container on the engine Homei manages.
        var created = await _docker.Containers.CreateContainerAsync(new CreateContainerParameters
        {
            Name = $"pio-{_u}-ctr", Image = "local/busybox:1", Cmd = ["sleep", "300"],
            Labels = new Dictionary<string, string> { ["team"] = "backend" },
        });
        _containerId = created.ID;
        await _docker.Containers.StartContainerAsync(created.ID, new ContainerStartParameters());

        // A device in KubeEdge's device store.
        await _app.Services.GetRequiredService<FleetStorage>().EnsureTableAsync(DeviceService.Table);
        await _app.Services.GetRequiredService<FleetStorage>().Table<DeviceEntity>(DeviceService.Table).AddAsync(new DeviceEntity
        {
            PartitionKey = "pioneer-test", RowKey = $"pio-{_u}-dev", NodeName = "edge-1", Model = "thermo", Protocol = "mqtt",
            Namespace = "default", Status = DeviceStatus.Online, CreatedAt = DateTimeOffset.UtcNow,
        });

        // A running pod with requests and seeded usage, in a cluster registered through Kubilitics.
        var r = await admin.PostAsJsonAsync("/api/kubilitics/v1/clusters", new
        {
            kubeconfig_base64 = Convert.ToBase64String(Encoding.UTF8.GetBytes(_cluster.KubeconfigYaml("emu-ctx"))),
            context = "emu-ctx", name = $"pio-{_u}",
        });
        Assert.True(r.StatusCode == HttpStatusCode.Created, await r.Content.ReadAsStringAsync());
        _clusterId = (string)JsonNode.Parse(await r.Content.ReadAsStringAsync())!["id"]!;
        _ns = await _cluster.CreateNamespaceAsync("pio");
        await _cluster.Client.CoreV1.CreateNamespacedPodAsync(new V1Pod
        {
            Metadata = new V1ObjectMeta { Name = $"pio-{_u}-pod", Labels = new Dictionary<string, string> { ["team"] = "backend" } },
            Spec = new V1PodSpec
            {
                Containers = [new V1Container
                {
                    Name = "main", Image = "busybox:1.36",
                    Resources = new V1ResourceRequirements { Requests = new Dictionary<string, ResourceQuantity> { ["cpu"] = new("500m"), ["memory"] = new("1Gi") } },
                }],
            },
        }, _ns);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while ((await _cluster.Client.CoreV1.ReadNamespacedPodAsync($"pio-{_u}-pod", _ns)).Status?.Phase != "Running")
        {
            Assert.True(DateTime.UtcNow < deadline, "the pod never ran");
            await Task.Delay(200);
        }
        _cluster.Emulator!.Kubelet.SetPodMetrics(_ns, $"pio-{_u}-pod", "main", "7m", "21Mi");
        await TickAsync(); // the inventory is what the last tick saw
    }

    /// <summary>One sample tick (the timer's orchestration), driven now; answers when it has completed.</summary>
    public async Task TickAsync()
    {
        var client = _app.Services.GetRequiredService<Microsoft.DurableTask.Client.DurableTaskClient>();
        var id = await Fleet.Functions.Pioneer.PioneerSampleTimer.StartTickAsync(client, DateTimeOffset.UtcNow, CancellationToken.None);
        using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        var done = await client.WaitForInstanceCompletionAsync(id, wait.Token);
        Assert.Equal(Microsoft.DurableTask.Client.OrchestrationRuntimeStatus.Completed, done.RuntimeStatus);
    }

    public async Task DisposeAsync()
    {
        try { await _docker.Containers.RemoveContainerAsync(_containerId, new ContainerRemoveParameters { Force = true }); } catch (DockerApiException) { }
        await _app.Services.GetRequiredService<FleetStorage>().Table<DeviceEntity>(DeviceService.Table).DeleteAsync("pioneer-test", $"pio-{_u}-dev");
        if (_clusterId != "") await (await _app.LoginAsync(FleetRole.Admin)).DeleteAsync($"/api/kubilitics/v1/clusters/{_clusterId}");
        await _app.DisposeAsync();
        await _cluster.DisposeAsync();
        _docker.Dispose();
    }
}

/// <summary>The inventory's answers over the fixture's three resources.</summary>
[Trait("Category", "Kubernetes")]
public sealed class PioneerInventoryTests(PioneerInventoryFixture f) : IClassFixture<PioneerInventoryFixture>
{
    private const double Gib = 1024d * 1024 * 1024;
    private readonly string _u = f.U;
    private readonly HttpClient _viewer = f.Viewer;

    private async Task<JsonNode> List(string query)
    {
        var r = await _viewer.GetAsync("/api/pioneer/resources?" + query);
        var text = await r.Content.ReadAsStringAsync();
        Assert.True(r.StatusCode == HttpStatusCode.OK, text);
        return JsonNode.Parse(text)!;
    }

    private static List<string> Names(JsonNode page) => page["items"]!.AsArray().Select(i => (string)i!["name"]!).ToList();

    [Fact]
    public async Task Inventory_holds_a_pod_a_container_and_a_device_with_metrics_cost_and_tags()
    {
        await f.TickAsync(); // after the series test's ticks: the pod's usage as the fixture set it
        var all = await List($"filter=name:{_u}&per_page=50");
        Assert.Equal(3, (int)all["total"]!);
        Assert.Equal(1, (int)all["page"]!);
        Assert.Equal(50, (int)all["per_page"]!);
        var items = all["items"]!.AsArray().ToDictionary(i => (string)i!["type"]!, i => i!);

        var pod = items["pod"];
        Assert.Equal($"kube:{f.ClusterId}:pod:{f.Ns}:pio-{_u}-pod", (string?)pod["id"]);
        Assert.Equal("running", (string?)pod["status"]);
        Assert.Equal(0.7, (double)pod["metrics"]!["cpu_usage"]!, 3);                    // 7m of one vCPU
        Assert.Equal(21 * 1024 * 1024, (double)pod["metrics"]!["memory_usage"]!);
        Assert.Equal("backend", (string?)pod["tags"]!["team"]);
        Assert.Equal($"pio-{_u}", (string?)pod["tags"]!["cluster"]);
        // Requests (500m, 1Gi) exceed usage: 0.5 vCPU × 0.08 (team=backend override) + 1 GiB × 0.005 = 0.045/h; × 730 h.
        Assert.Equal(0.045, (double)pod["cost"]!["hourly"]!, 6);
        Assert.Equal(32.85, (double)pod["cost"]!["monthly_estimated"]!, 2);

        var ctr = items["container"];
        Assert.Equal("homei:container:" + f.ContainerId[..12], (string?)ctr["id"]);
        Assert.Equal("running", (string?)ctr["status"]);
        var cpu = (double)ctr["metrics"]!["cpu_usage"]!;
        var mem = (double)ctr["metrics"]!["memory_usage"]!;
        Assert.InRange(cpu, 0, 100 * Environment.ProcessorCount);
        Assert.True(mem > 0, "a running container uses memory");
        Assert.Equal(cpu / 100 * 0.08 + mem / Gib * 0.005, (double)ctr["cost"]!["hourly"]!, 5);

        var dev = items["device"];
        Assert.Equal($"kubeedge:device:pio-{_u}-dev", (string?)dev["id"]);
        Assert.Equal("online", (string?)dev["status"]);
        Assert.Equal("thermo", (string?)dev["tags"]!["model"]);
        Assert.Equal(0.01, (double)dev["cost"]!["hourly"]!, 6);                          // 7.3 a month / 730 h
        Assert.Equal(7.3, (double)dev["cost"]!["monthly_estimated"]!, 2);
        Assert.All(items.Values, i => Assert.NotNull(i["metrics"]));
    }

    [Fact]
    public async Task Filter_terms_sort_order_and_paging_compose()
    {
        Assert.Equal([$"pio-{_u}-pod"], Names(await List($"filter=type:pod name:{_u}")));
        Assert.Equal([$"pio-{_u}-ctr", $"pio-{_u}-pod"], Names(await List($"filter=status:running name:{_u}&sort=name")));
        Assert.Equal([$"pio-{_u}-ctr", $"pio-{_u}-pod"], Names(await List($"filter=tag.team=backend name:{_u}&sort=name")));
        Assert.Equal([$"pio-{_u}-dev"], Names(await List($"filter=source:kubeedge tag.model name:{_u}")));

        var first = await List($"filter=name:{_u}&sort=name&order=desc&per_page=2&page=1");
        Assert.Equal([$"pio-{_u}-pod", $"pio-{_u}-dev"], Names(first));
        Assert.Equal(3, (int)first["total"]!);
        var second = await List($"filter=name:{_u}&sort=name&order=desc&per_page=2&page=2");
        Assert.Equal([$"pio-{_u}-ctr"], Names(second));
        Assert.Equal(2, (int)second["page"]!);
    }
    [Fact]
    public async Task Three_sample_ticks_give_three_points_at_1m_and_their_average_at_1h()
    {
        var client = f.App.Services.GetRequiredService<Microsoft.DurableTask.Client.DurableTaskClient>();
        var podId = $"kube:{f.ClusterId}:pod:{f.Ns}:pio-{_u}-pod";
        // Two hours back, whole hour: inside the raw retention, so no host's retention sweep rolls these samples up.
        var t0 = new DateTimeOffset(DateTime.UtcNow.Ticks / TimeSpan.TicksPerHour * TimeSpan.TicksPerHour, TimeSpan.Zero).AddHours(-2);
        string T(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture);
        string[] cpu = ["10m", "20m", "60m"], memory = ["10Mi", "20Mi", "60Mi"];
        try
        {
            for (var i = 0; i < 3; i++)
            {
                f.Cluster.Emulator!.Kubelet.SetPodMetrics(f.Ns, $"pio-{_u}-pod", "main", cpu[i], memory[i]);
                var id = await Fleet.Functions.Pioneer.PioneerSampleTimer.StartTickAsync(client, t0.AddMinutes(i).AddSeconds(7), CancellationToken.None);
                using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(120));
                var done = await client.WaitForInstanceCompletionAsync(id, wait.Token);
                Assert.Equal(Microsoft.DurableTask.Client.OrchestrationRuntimeStatus.Completed, done.RuntimeStatus);
            }
        }
        finally
        {
            f.Cluster.Emulator!.Kubelet.SetPodMetrics(f.Ns, $"pio-{_u}-pod", "main", "7m", "21Mi"); // what the inventory test expects
        }

        var range = $"start_time={T(t0)}&end_time={T(t0.AddHours(1))}";
        var minute = await Get($"/api/pioneer/resources/{podId}/metrics?{range}&interval=1m&metrics=cpu_usage&metrics=memory_usage");
        Assert.Equal(podId, (string?)minute["resource_id"]);
        Assert.Equal("1m", (string?)minute["interval"]);
        var points = minute["metrics"]!["cpu_usage"]!.AsArray();
        Assert.Equal([T(t0), T(t0.AddMinutes(1)), T(t0.AddMinutes(2))], points.Select(p => (string)p!["timestamp"]!));
        Assert.Equal([1.0, 2.0, 6.0], points.Select(p => (double)p!["value"]!));
        Assert.Equal([10.0 * 1024 * 1024, 20.0 * 1024 * 1024, 60.0 * 1024 * 1024],
            minute["metrics"]!["memory_usage"]!.AsArray().Select(p => (double)p!["value"]!));

        var hour = await Get($"/api/pioneer/resources/{podId}/metrics?{range}&interval=1h&metrics=cpu_usage,memory_usage");
        var h = Assert.Single(hour["metrics"]!["cpu_usage"]!.AsArray())!;
        Assert.Equal(T(t0), (string?)h["timestamp"]);
        Assert.Equal(3.0, (double)h["value"]!, 4);
        Assert.Equal(30.0 * 1024 * 1024, (double)Assert.Single(hour["metrics"]!["memory_usage"]!.AsArray())!["value"]!, 1);
        Assert.Null(hour["metrics"]!["disk_usage"]);

        foreach (var (query, field) in new[]
                 {
                     ($"start_time={T(t0.AddHours(1))}&end_time={T(t0)}", "start_time"),
                     (range + "&metrics=gpu_usage", "metrics"),
                     (range + "&interval=2m", "interval"),
                 })
        {
            var r = await _viewer.GetAsync($"/api/pioneer/resources/{podId}/metrics?{query}");
            var text = await r.Content.ReadAsStringAsync();
            Assert.True(r.StatusCode == HttpStatusCode.BadRequest, text);
            Assert.Equal(field, (string?)JsonNode.Parse(text)!["error"]!["details"]!["field"]);
        }
    }

    private async Task<JsonNode> Get(string url)
    {
        var r = await _viewer.GetAsync(url);
        var text = await r.Content.ReadAsStringAsync();
        Assert.True(r.StatusCode == HttpStatusCode.OK, text);
        return JsonNode.Parse(text)!;
    }
}

/// <summary>Bad paging, sorting and filter input: rejected before any source is read.</summary>
public sealed class PioneerInventoryValidationTests : IAsyncLifetime
{
    private FleetApp _app = null!;
    private HttpClient _viewer = null!;

    public async Task InitializeAsync()
    {
        _app = await FleetApp.StartAsync(new Dictionary<string, string?> { ["RateLimits__Scale"] = "100" });
        _viewer = await _app.LoginAsync(FleetRole.Viewer);
    }

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Theory]
    [InlineData("filter=colour:red", "filter", "colour:red")]
    [InlineData("filter=type:pod%20tag.", "filter", "tag.")]
    [InlineData("sort=price", "sort", "price")]
    [InlineData("filter=type:pod%20name:xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", "filter",
        "name:xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx")] // a value over 256 characters
    [InlineData("filter=status:running%20tag.team%3Dbackend%20owner:me", "filter", "owner:me")]
    [InlineData("order=up", "order", null)]
    [InlineData("per_page=0", "per_page", null)]
    [InlineData("page=x", "page", null)]
    public async Task Bad_query_is_a_400_in_the_pioneer_envelope_naming_it(string query, string field, string? token)
    {
        var r = await _viewer.GetAsync("/api/pioneer/resources?" + query);
        var text = await r.Content.ReadAsStringAsync();
        Assert.True(r.StatusCode == HttpStatusCode.BadRequest, text);
        var e = JsonNode.Parse(text)!;
        Assert.Equal("VALIDATION_ERROR", (string?)e["error"]!["code"]);
        Assert.Equal(field, (string?)e["error"]!["details"]!["field"]);
        if (token is not null)
        {
            Assert.Equal(token, (string?)e["error"]!["details"]!["token"]);
            Assert.Contains(token, (string?)e["error"]!["message"]);
        }
        Assert.False(string.IsNullOrEmpty((string?)e["request_id"]));
    }
}
