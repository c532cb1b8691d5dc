using System.Net;
using System.Text.Json.Nodes;
using Fleet.Core.KubeEdge;
using Fleet.Core.Pioneer;
using Fleet.Core.Platform.Storage;
using Fleet.Functions.Platform.Auth;
using Fleet.Tests.Support;

namespace Fleet.Tests.Pioneer;

/// <summary>
/// The inventory as a Table storage projection, over a source of this test's own (ids <c>t{run}:...</c>, applied to the
/// projection exactly as a tick applies what it read from a source; no real source knows them, so what the list serves
/// can only come from the table): what a read writes is listed, what a later read lacks is gone from every sorted copy,
/// paging walks every item once, every sort field in both orders, every filter form.
/// </summary>
public sealed class PioneerProjectionFixture : IAsyncLifetime
{
    public string Source { get; } = "t" + Guid.NewGuid().ToString("N")[..8];
    public FleetApp App { get; private set; } = null!;
    public HttpClient Viewer { get; private set; } = null!;
    public List<PioneerResource> Resources { get; } = [];

    public async Task InitializeAsync()
    {
        App = await FleetApp.StartAsync(new Dictionary<string, string?>
        {
            ["RateLimits__Scale"] = "100", ["Timers__PioneerSample__Disabled"] = "true", ["Timers__PioneerRetention__Disabled"] = "true",
        });
        Viewer = await App.LoginAsync(FleetRole.Viewer);
        string[] names = ["alpha", "alpha-2", "Alpha", "beta", "gamma", "alp", "zeta", "é-accent", "delta", "alpha"];
        string[] types = ["pod", "container", "instance"];
        string[] statuses = ["running", "stopped", "Pending"];
        for (var i = 0; i < 23; i++)
        {
            var tags = new Dictionary<string, string> { ["team"] = i % 2 == 0 ? "backend" : "frontend" };
            if (i % 3 == 0) tags["app.kubernetes.io/name"] = "web";
            if (i % 4 == 0) tags["env"] = "";
            if (i == 5) tags["note"] = "it's";
            Resources.Add(new PioneerResource($"{Source}:thing:{i:D2}", names[i % names.Length] + (i >= 10 ? $"-{i}" : ""), types[i % 3], statuses[i % 3],
                new ResourceMetrics(i % 5 == 0 ? null : (i * 7 % 11) - 2.5, i % 4 == 1 ? null : 1e6 * (i % 6), i % 2 == 0 ? 50 - i : null),
                new ResourceCost(Math.Round(0.01 * (i % 7), 6), Math.Round(0.01 * (i % 7) * 730, 2)), tags));
        }
        await ApplyAsync(Resources);
    }

    public Task<ProjectionResult> ApplyAsync(IReadOnlyList<PioneerResource> resources) =>
        App.Services.GetRequiredService<InventoryProjection>().ApplyAsync(
            new SourceRead(Source, resources, [Source], [Source], DateTimeOffset.UtcNow), CancellationToken.None);

    public async Task DisposeAsync()
    {
        await ApplyAsync([]);
        await App.DisposeAsync();
    }
}

public sealed class PioneerProjectionTests(PioneerProjectionFixture f) : IClassFixture<PioneerProjectionFixture>
{
    private async Task<JsonNode> List(string query)
    {
        var r = await f.Viewer.GetAsync("/api/pioneer/resources?" + query);
        var text = await r.Content.ReadAsStringAsync();
        Assert.True(r.StatusCode == HttpStatusCode.OK, text);
        return JsonNode.Parse(text)!;
    }

    private static List<string> Ids(JsonNode page) => page["items"]!.AsArray().Select(i => (string)i!["id"]!).ToList();
    private string Mine => $"source:{f.Source}";

    private static List<string> Expected(IEnumerable<PioneerResource> rs, string field, bool desc)
    {
        var list = rs.ToList();
        int Compare(PioneerResource a, PioneerResource b)
        {
            var c = field switch
            {
                "id" => string.CompareOrdinal(a.Id, b.Id),
                "name" => string.CompareOrdinal(a.Name, b.Name),
                "type" => string.CompareOrdinal(a.Type, b.Type),
                "status" => string.CompareOrdinal(a.Status, b.Status),
                "cpu_usage" => Nullable.Compare(a.Metrics.CpuUsage, b.Metrics.CpuUsage),
                "memory_usage" => Nullable.Compare(a.Metrics.MemoryUsage, b.Metrics.MemoryUsage),
                "disk_usage" => Nullable.Compare(a.Metrics.DiskUsage, b.Metrics.DiskUsage),
                _ => a.Cost.Hourly.CompareTo(b.Cost.Hourly),
            };
            if (desc) c = -c;
            return c != 0 ? c : string.CompareOrdinal(a.Id, b.Id); // ties: by id, ascending
        }
        list.Sort(Compare);
        return list.Select(r => r.Id).ToList();
    }

    [Fact]
    public async Task What_a_read_applies_is_listed_with_every_field_and_what_a_later_read_lacks_is_gone_from_every_copy()
    {
        var page = await List($"filter={Mine}&per_page=100");
        Assert.Equal(23, (int)page["total"]!);
        var items = page["items"]!.AsArray().ToDictionary(i => (string)i!["id"]!, i => i!);
        foreach (var r in f.Resources)
        {
            var i = items[r.Id];
            Assert.Equal(r.Name, (string?)i["name"]);
            Assert.Equal(r.Type, (string?)i["type"]);
            Assert.Equal(r.Status, (string?)i["status"]);
            Assert.Equal(r.Metrics.CpuUsage, (double?)i["metrics"]!["cpu_usage"]);
            Assert.Equal(r.Metrics.MemoryUsage, (double?)i["metrics"]!["memory_usage"]);
            Assert.Equal(r.Metrics.DiskUsage, (double?)i["metrics"]!["disk_usage"]);
            Assert.Equal(r.Cost.Hourly, (double)i["cost"]!["hourly"]!);
            Assert.Equal(r.Cost.MonthlyEstimated, (double)i["cost"]!["monthly_estimated"]!);
            Assert.Equal(r.Tags.OrderBy(t => t.Key), i["tags"]!.AsObject().Select(t => new KeyValuePair<string, string>(t.Key, (string)t.Value!)).OrderBy(t => t.Key));
        }

        // A later read without thing:03 and with thing:04 changed: 03 leaves every sorted copy, 04 moves in each.
        var gone = f.Resources[3];
        var changed = f.Resources[4] with { Status = "stopped", Metrics = new ResourceMetrics(99, 1, 1), Cost = new ResourceCost(5, 3650) };
        var next = f.Resources.Where(r => r != gone).Select(r => r == f.Resources[4] ? changed : r).ToList();
        try
        {
            var result = await f.ApplyAsync(next);
            Assert.Equal((1, 1), (result.Written, result.Removed));
            Assert.Equal(0, (await f.ApplyAsync(next)).Written); // the same read again changes nothing
            foreach (var field in InventoryIndex.Fields)
                foreach (var order in new[] { "asc", "desc" })
                {
                    var sorted = await List($"filter={Mine}&per_page=100&sort={field}&order={order}");
                    Assert.Equal(Expected(next, field, order == "desc"), Ids(sorted));
                }
            var moved = (await List($"filter={Mine} status:stopped&per_page=100&sort=cost&order=desc"))["items"]![0]!;
            Assert.Equal(changed.Id, (string?)moved["id"]);
            Assert.Equal(99.0, (double)moved["metrics"]!["cpu_usage"]!);
        }
        finally
        {
            await f.ApplyAsync(f.Resources);
        }
    }

    [Theory]
    [InlineData("name", "asc", 5)]
    [InlineData("cost", "desc", 4)]
    [InlineData("id", "asc", 23)]
    public async Task Paging_walks_every_item_exactly_once_in_the_sorts_order(string sort, string order, int perPage)
    {
        var expected = Expected(f.Resources, sort, order == "desc");
        var walked = new List<string>();
        var pages = (23 + perPage - 1) / perPage;
        for (var p = 1; p <= pages; p++)
        {
            var page = await List($"filter={Mine}&sort={sort}&order={order}&per_page={perPage}&page={p}");
            Assert.Equal(23, (int)page["total"]!);
            Assert.Equal(p, (int)page["page"]!);
            Assert.Equal(perPage, (int)page["per_page"]!);
            Assert.Equal(Math.Min(perPage, 23 - (p - 1) * perPage), page["items"]!.AsArray().Count);
            walked.AddRange(Ids(page));
        }
        Assert.Equal(expected, walked);
        Assert.Empty(Ids(await List($"filter={Mine}&sort={sort}&order={order}&per_page={perPage}&page={pages + 1}")));

        // A page no walk has reached yet (another page size, straight to its third page): the same slice.
        var jump = await List($"filter={Mine}&sort={sort}&order={order}&per_page=3&page=3");
        Assert.Equal(expected.Skip(6).Take(3), Ids(jump));
    }

    [Fact]
    public async Task Each_filter_form_is_applied_by_the_store()
    {
        async Task Check(string filter, Func<PioneerResource, bool> expected)
        {
            var page = await List($"filter={Uri.EscapeDataString($"{Mine} {filter}")}&per_page=100");
            var want = f.Resources.Where(expected).Select(r => r.Id).Order(StringComparer.Ordinal).ToList();
            Assert.NotEmpty(want);
            Assert.Equal(want, Ids(page));
            Assert.Equal(want.Count, (int)page["total"]!);
        }
        await Check("type:pod", r => r.Type == "pod");
        await Check("type:POD", r => r.Type == "pod");                                   // values compare case-insensitively
        await Check("status:pending", r => r.Status == "Pending");
        await Check("name:ALPHA", r => r.Name.Contains("alpha", StringComparison.OrdinalIgnoreCase));
        await Check("tag.team=backend", r => r.Tags["team"] == "backend");
        await Check("tag.app.kubernetes.io/name=web", r => r.Tags.GetValueOrDefault("app.kubernetes.io/name") == "web");
        await Check("tag.env", r => r.Tags.ContainsKey("env"));                           // present, even empty
        await Check("tag.note=it's", r => r.Tags.GetValueOrDefault("note") == "it's");
        await Check("type:container status:stopped tag.team=frontend name:-1",
            r => r.Type == "container" && r.Status == "stopped" && r.Tags["team"] == "frontend" && r.Name.Contains("-1"));
        Assert.Equal(0, (int)(await List($"filter={Mine} tag.team=Backend"))["total"]!); // tags compare exactly
        Assert.Equal(0, (int)(await List($"filter=source:{f.Source}x"))["total"]!);
    }
}

/// <summary>A real source through the tick's activity: a KubeEdge device is listed after a tick and gone after the tick that follows its deletion.</summary>
public sealed class PioneerProjectionTickTests : IAsyncLifetime
{
    private FleetApp _app = null!;
    private readonly string _u = Guid.NewGuid().ToString("N")[..8];

    public async Task InitializeAsync() => _app = await FleetApp.StartAsync(new Dictionary<string, string?>
    {
        ["RateLimits__Scale"] = "100", ["Timers__PioneerSample__Disabled"] = "true",
    });

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task A_device_is_listed_after_a_tick_and_gone_after_the_tick_that_follows_its_deletion()
    {
        var storage = _app.Services.GetRequiredService<FleetStorage>();
        await storage.EnsureTableAsync(DeviceService.Table);
        var devices = storage.Table<DeviceEntity>(DeviceService.Table);
        var sampler = _app.Services.GetRequiredService<PioneerSampler>();
        var viewer = await _app.LoginAsync(FleetRole.Viewer);
        async Task<List<string>> Listed()
        {
            var r = await viewer.GetAsync($"/api/pioneer/resources?filter=source:kubeedge%20name:pio-{_u}");
            var text = await r.Content.ReadAsStringAsync();
            Assert.True(r.StatusCode == HttpStatusCode.OK, text);
            return JsonNode.Parse(text)!["items"]!.AsArray().Select(i => (string)i!["id"]!).ToList();
        }
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));

        await devices.AddAsync(new DeviceEntity
        {
            PartitionKey = "pioneer-test", RowKey = $"pio-{_u}-dev", NodeName = "edge-1", Model = "thermo", Protocol = "mqtt",
            Namespace = "default", Status = DeviceStatus.Online, CreatedAt = DateTimeOffset.UtcNow,
        });
        try
        {
            await sampler.SampleSourceAsync("kubeedge", DateTimeOffset.UtcNow, timeout.Token);
            Assert.Equal([$"kubeedge:device:pio-{_u}-dev"], await Listed());
        }
        finally
        {
            await devices.DeleteAsync("pioneer-test", $"pio-{_u}-dev");
        }
        await sampler.SampleSourceAsync("kubeedge", DateTimeOffset.UtcNow, timeout.Token);
        Assert.Empty(await Listed());
    }
}
