using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Fleet.Core.Kubernetes;
using Fleet.Functions.Platform.Auth;
using Fleet.Tests.Support;
using k8s;

namespace Fleet.Tests.Kubernetes;

/// <summary>
/// The shared cluster registry through its two views (Kubilitics clusters, SNAP cluster configs),
/// against the test cluster (the emulator, or the real one FLEET_TEST_KUBECONFIG names).
/// </summary>
[Trait("Category", "Kubernetes")]
public sealed class ClusterRegistryTests : IAsyncLifetime
{
    private TestCluster _cluster = null!;
    private FleetApp _app = null!;
    private HttpClient _admin = null!;

    public async Task InitializeAsync()
    {
        _cluster = await TestCluster.CreateAsync();
        _app = await FleetApp.StartAsync(new Dictionary<string, string?>
        {
            ["RateLimits__Scale"] = "100",
            // Add_from_path writes its kubeconfig under the temp folder.
            ["Clusters__KubeconfigDirectory"] = Path.GetTempPath(),
        });
        _admin = await _app.LoginAsync(FleetRole.Admin);
    }

    public async Task DisposeAsync()
    {
        await _app.DisposeAsync();
        await _cluster.DisposeAsync();
    }

    private static string B64(string s) => Convert.ToBase64String(Encoding.UTF8.GetBytes(s));
    private static string Unique(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..20];

    [Fact]
    public async Task Add_from_base64_is_saved_connected_and_seen_by_both_views()
    {
        var name = Unique("prod");
        var r = await _admin.PostAsJsonAsync("/api/kubilitics/v1/clusters",
            new { kubeconfig_base64 = B64(_cluster.KubeconfigYaml("emu-ctx")), context = "emu-ctx", name });
        var text = await r.Content.ReadAsStringAsync();
        Assert.True(r.StatusCode == HttpStatusCode.Created, text);
        var c = JsonNode.Parse(text)!;
        Assert.Equal(name, (string?)c["name"]);
        Assert.Equal("emu-ctx", (string?)c["context"]);
        Assert.Equal(_cluster.ServerUrl, (string?)c["server_url"]);
        Assert.Equal((await _cluster.Client.Version.GetCodeAsync()).GitVersion, (string?)c["version"]);
        Assert.Equal("connected", (string?)c["status"]);
        Assert.Contains((string?)c["provider"], new[] { "eks", "gke", "aks", "k3s", "kind", "minikube", "docker-desktop", "other" });
        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$", (string?)c["created_at"]);
        Assert.NotNull(c["last_connected"]);
        Assert.All(_cluster.Secrets, secret => Assert.DoesNotContain(secret, text));
        var id = (string)c["id"]!;

        var list = JsonNode.Parse(await _admin.GetStringAsync("/api/kubilitics/v1/clusters"))!.AsArray();
        Assert.Contains(list, x => (string?)x!["id"] == id);
        var one = JsonNode.Parse(await _admin.GetStringAsync($"/api/kubilitics/v1/clusters/{id}"))!;
        Assert.Equal(name, (string?)one["name"]);

        var snapText = await _admin.GetStringAsync("/api/snap/config/clusters/list");
        Assert.All(_cluster.Secrets, secret => Assert.DoesNotContain(secret, snapText));
        var snap = JsonNode.Parse(snapText)!;
        Assert.True((bool)snap["success"]!);
        var view = snap["clusters"]!.AsArray().Single(x => (string?)x!["name"] == name)!;
        Assert.Equal(_cluster.ServerUrl, (string?)view["api_server_url"]);
        Assert.Equal("kubeconfig", (string?)view["auth_type"]);

        // The live call goes through the stored, encrypted kubeconfig.
        var summary = JsonNode.Parse(await _admin.GetStringAsync($"/api/kubilitics/v1/clusters/{id}/summary"))!;
        Assert.Equal((await _cluster.Client.CoreV1.ListNodeAsync()).Items.Count, (int)summary["node_count"]!);
        Assert.True((int)summary["namespace_count"]! >= 3);

        // A second cluster with the same name is a conflict.
        var dup = await _admin.PostAsJsonAsync("/api/kubilitics/v1/clusters",
            new { kubeconfig_base64 = B64(_cluster.KubeconfigYaml("emu-ctx")), name });
        Assert.Equal(HttpStatusCode.Conflict, dup.StatusCode);
    }

    [Fact]
    public async Task Kubeconfig_is_encrypted_at_rest()
    {
        var name = Unique("enc");
        var r = await _admin.PostAsJsonAsync("/api/kubilitics/v1/clusters", new { kubeconfig_base64 = B64(_cluster.KubeconfigYaml()), name });
        var id = (string)JsonNode.Parse(await r.Content.ReadAsStringAsync())!["id"]!;
        var table = new Azure.Data.Tables.TableClient(Peers.Storage, ClusterRegistry.Table);
        var row = (await table.GetEntityAsync<Azure.Data.Tables.TableEntity>(ClusterEntity.ClusterPartition, id)).Value;
        var stored = string.Join("\n", row.Select(kv => kv.Value?.ToString()));
        Assert.All(_cluster.Secrets, secret => Assert.DoesNotContain(secret, stored));
        Assert.DoesNotContain("certificate-authority-data", stored);
        Assert.NotNull(row.GetString("KubeconfigProtected"));
    }

    [Fact]
    public async Task Add_from_path_then_remove()
    {
        var path = Path.Combine(Directory.CreateTempSubdirectory("kcfg-").FullName, "config");
        _cluster.WriteKubeconfig(path, "from-path");
        var name = Unique("path");
        var r = await _admin.PostAsJsonAsync("/api/kubilitics/v1/clusters", new { kubeconfig_path = path, context = "from-path", name });
        Assert.Equal(HttpStatusCode.Created, r.StatusCode);
        var id = (string)JsonNode.Parse(await r.Content.ReadAsStringAsync())!["id"]!;

        // Kubilitics refuses a DELETE without the confirmation header, and nothing is removed.
        var unconfirmed = await _admin.DeleteAsync($"/api/kubilitics/v1/clusters/{id}");
        Assert.Equal(HttpStatusCode.BadRequest, unconfirmed.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await _admin.GetAsync($"/api/kubilitics/v1/clusters/{id}")).StatusCode);

        var confirmed = new HttpRequestMessage(HttpMethod.Delete, $"/api/kubilitics/v1/clusters/{id}");
        confirmed.Headers.Add("X-Confirm-Destructive", "true");
        var del = await _admin.SendAsync(confirmed);
        Assert.Equal(HttpStatusCode.OK, del.StatusCode);
        Assert.Equal("Cluster removed", (string?)JsonNode.Parse(await del.Content.ReadAsStringAsync())!["message"]);
        var gone = await _admin.GetAsync($"/api/kubilitics/v1/clusters/{id}");
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
        Assert.Contains(id, (string?)JsonNode.Parse(await gone.Content.ReadAsStringAsync())!["error"]);
    }

    [Theory]
    [InlineData("""{"kubeconfig_base64":"@@not-base64@@"}""", "kubeconfig_base64")]
    [InlineData("""{"kubeconfig_base64":"aGVsbG86IFt1bmNsb3NlZA=="}""", "kubeconfig_base64")]
    [InlineData("""{"kubeconfig_path":"/nonexistent/kubeconfig"}""", "inside the configured folder")]
    [InlineData("""{"context":"x"}""", "kubeconfig_path or kubeconfig_base64 is required")]
    public async Task Bad_kubeconfig_is_400_naming_the_problem_and_nothing_is_saved(string body, string expected)
    {
        // Other tests add clusters to the shared registry meanwhile, so the request carries a name to look for.
        var name = Unique("bad");
        var json = JsonNode.Parse(body)!.AsObject();
        json["name"] = name;
        var r = await _admin.PostAsync("/api/kubilitics/v1/clusters", new StringContent(json.ToJsonString(), Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, r.StatusCode);
        Assert.Contains(expected, (string?)JsonNode.Parse(await r.Content.ReadAsStringAsync())!["error"]);
        var list = JsonNode.Parse(await _admin.GetStringAsync("/api/kubilitics/v1/clusters"))!.AsArray();
        Assert.DoesNotContain(list, c => (string?)c!["name"] == name);
    }

    [Fact]
    public async Task Unknown_context_is_400_naming_it()
    {
        var r = await _admin.PostAsJsonAsync("/api/kubilitics/v1/clusters",
            new { kubeconfig_base64 = B64(_cluster.KubeconfigYaml("real")), context = "missing-ctx" });
        Assert.Equal(HttpStatusCode.BadRequest, r.StatusCode);
        Assert.Contains("missing-ctx", (string?)JsonNode.Parse(await r.Content.ReadAsStringAsync())!["error"]);
    }

    [Fact]
    public async Task Unreachable_server_is_502_and_not_saved()
    {
        var name = Unique("dead");
        var yaml = _cluster.KubeconfigYaml("dead", $"https://127.0.0.1:{Peers.FreePort()}");
        var r = await _admin.PostAsJsonAsync("/api/kubilitics/v1/clusters", new { kubeconfig_base64 = B64(yaml), name });
        Assert.Equal(HttpStatusCode.BadGateway, r.StatusCode);
        var list = JsonNode.Parse(await _admin.GetStringAsync("/api/kubilitics/v1/clusters"))!.AsArray();
        Assert.DoesNotContain(list, x => (string?)x!["name"] == name);
    }

    [Fact]
    public async Task Discover_lists_the_contexts_of_KUBECONFIG()
    {
        var path = Path.Combine(Directory.CreateTempSubdirectory("kdisc-").FullName, "config");
        _cluster.WriteKubeconfig(path, "discover-me");
        var old = Environment.GetEnvironmentVariable("KUBECONFIG");
        Environment.SetEnvironmentVariable("KUBECONFIG", path);
        try
        {
            var found = JsonNode.Parse(await _admin.GetStringAsync("/api/kubilitics/v1/clusters/discover"))!.AsArray();
            var d = Assert.Single(found)!;
            Assert.Equal("discover-me", (string?)d["context"]);
            Assert.Equal(_cluster.ServerUrl, (string?)d["server_url"]);
        }
        finally
        {
            Environment.SetEnvironmentVariable("KUBECONFIG", old);
        }
    }

    [Fact]
    public async Task Snap_create_update_delete_round_trip_with_seed_shapes()
    {
        var name = Unique("snapc");
        var create = await _admin.PostAsJsonAsync("/api/snap/config/clusters/create", new
        {
            name, api_server_url = _cluster.ServerUrl, auth_type = "kubeconfig",
            kubeconfig_content = B64(_cluster.KubeconfigYaml()), registry_name = "nexus-registry",
        });
        var body = JsonNode.Parse(await create.Content.ReadAsStringAsync())!;
        Assert.Equal(HttpStatusCode.Created, create.StatusCode);
        Assert.True((bool)body["success"]!);
        Assert.Equal("nexus-registry", (string?)body["cluster"]!["registry_name"]);

        var mismatch = await _admin.PostAsJsonAsync("/api/snap/config/clusters/create", new
        {
            name = Unique("snapm"), api_server_url = "https://elsewhere:6443", auth_type = "kubeconfig",
            kubeconfig_content = B64(_cluster.KubeconfigYaml()),
        });
        var m = JsonNode.Parse(await mismatch.Content.ReadAsStringAsync())!;
        Assert.Equal(HttpStatusCode.BadRequest, mismatch.StatusCode);
        Assert.False((bool)m["success"]!);
        Assert.Equal("VALIDATION_ERROR", (string?)m["code"]);
        Assert.Contains("api_server_url", (string?)m["details"]);

        var update = await _admin.PutAsJsonAsync("/api/snap/config/clusters/update", new { name, registry_name = "harbor" });
        Assert.True(update.StatusCode == HttpStatusCode.OK, await update.Content.ReadAsStringAsync());
        Assert.Equal("harbor", (string?)JsonNode.Parse(await update.Content.ReadAsStringAsync())!["cluster"]!["registry_name"]);

        var del = new HttpRequestMessage(HttpMethod.Delete, "/api/snap/config/clusters/delete") { Content = JsonContent.Create(new { name }) };
        Assert.Equal(HttpStatusCode.OK, (await _admin.SendAsync(del)).StatusCode);
        var missing = new HttpRequestMessage(HttpMethod.Delete, "/api/snap/config/clusters/delete") { Content = JsonContent.Create(new { name }) };
        var gone = await _admin.SendAsync(missing);
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
        Assert.Equal("CLUSTER_NOT_FOUND", (string?)JsonNode.Parse(await gone.Content.ReadAsStringAsync())!["code"]);
    }
}
