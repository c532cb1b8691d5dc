using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Fleet.Core.Homei;
using Fleet.Core.Platform.Identity;
using Fleet.Functions.Platform.Auth;
using Fleet.Tests.Support;

namespace Fleet.Tests.Platform;

/// <summary>
/// The inputs issue 14 found answered with a 500, the failed create that kept its row, and the security and
/// contract slips: each is now a 4xx in the family's envelope naming the field, with nothing written.
/// </summary>
public sealed class ContractFixTests : IAsyncLifetime
{
    private FleetApp _app = null!;
    private HttpClient _admin = null!;
    private string _kubeDir = null!;

    public async Task InitializeAsync()
    {
        _kubeDir = Directory.CreateTempSubdirectory("fleet-kube-").FullName;
        _app = await FleetApp.StartAsync(new Dictionary<string, string?>
        {
            ["RateLimits__Enabled"] = "false",
            ["Clusters__KubeconfigDirectory"] = _kubeDir,
        });
        _admin = await _app.LoginAsync(FleetRole.Admin);
    }

    public async Task DisposeAsync()
    {
        await _app.DisposeAsync();
        Directory.Delete(_kubeDir, recursive: true);
    }

    private static StringContent Json(object body) => new(JsonNode.Parse(System.Text.Json.JsonSerializer.Serialize(body))!.ToJsonString(), Encoding.UTF8, "application/json");

    [Theory]
    [InlineData("/")]
    [InlineData("../../etc/passwd")]
    [InlineData("a\u0000b")]
    [InlineData("a#b")]
    [InlineData("a?b")]
    [InlineData("a\\b")]
    [InlineData("huge")]
    public async Task Snap_cluster_update_with_a_name_storage_cannot_key_is_400_naming_name(string name)
    {
        if (name == "huge") name = new string('n', 100_000);
        var r = await _admin.PutAsync("/api/snap/config/clusters/update", Json(new { name, kubeconfig_content = "eA==" }));
        var body = await SnapError(r, HttpStatusCode.BadRequest);
        Assert.Contains("field: name", (string?)body["details"]);
    }

    [Fact]
    public async Task Snap_cluster_delete_with_a_slash_in_the_name_is_400_naming_name()
    {
        var r = await _admin.DeleteAsync("/api/snap/config/clusters/delete?name=a%2Fb");
        var body = await SnapError(r, HttpStatusCode.BadRequest);
        Assert.Contains("field: name", (string?)body["details"]);
    }

    [Fact]
    public async Task Api_key_name_over_the_property_limit_is_400_and_no_key_is_stored()
    {
        var before = JsonNode.Parse(await _admin.GetStringAsync("/api/kubilitics/v1/auth/api-keys"))!.ToJsonString();
        var r = await _admin.PostAsync("/api/kubilitics/v1/auth/api-keys", Json(new { name = new string('k', 33_000) }));
        Assert.Equal(HttpStatusCode.BadRequest, r.StatusCode);
        var error = (string)JsonNode.Parse(await r.Content.ReadAsStringAsync())!["error"]!;
        Assert.Contains("'name'", error);
        Assert.Equal(before, JsonNode.Parse(await _admin.GetStringAsync("/api/kubilitics/v1/auth/api-keys"))!.ToJsonString());
    }

    [Fact]
    public async Task Homei_config_value_over_the_property_limit_is_400_naming_it_and_the_config_is_unchanged()
    {
        var before = await _admin.GetStringAsync("/api/homei/v1/config");
        var r = await _admin.PutAsync("/api/homei/v1/config", Json(new { log_level = new string('v', 40_000) }));
        var error = await HomeiError(r, HttpStatusCode.BadRequest);
        Assert.Equal("log_level", (string?)error["details"]!["field"]);
        Assert.Equal(before, await _admin.GetStringAsync("/api/homei/v1/config"));
    }

    [Fact]
    public async Task Nul_in_a_bundle_path_is_400_naming_bundle_path()
    {
        var r = await _admin.PostAsync("/api/homei/v1/update/install", Json(new { bundle_path = "update\u0000.raucb" }));
        var error = await HomeiError(r, HttpStatusCode.BadRequest);
        Assert.Equal("bundle_path", (string?)error["details"]!["field"]);
    }

    [Theory]
    [InlineData("/api/kubilitics/v1/audit-log?continue=")]
    [InlineData("/api/kubilitics/v1/users?continue=")]
    [InlineData("/api/kubeedge/devices?continue=")]
    public async Task A_garbage_continuation_token_is_400_naming_continue(string route)
    {
        foreach (var token in new[] { "%%%", "bm90LWEtdG9rZW4", "eyJOZXh0UGFydGl0aW9uS2V5IjoiXHUwMDAwIn0", new string('A', 1500) })
        {
            var r = await _admin.GetAsync(route + Uri.EscapeDataString(token));
            Assert.True(r.StatusCode == HttpStatusCode.BadRequest, $"{route}{token}: {(int)r.StatusCode} {await r.Content.ReadAsStringAsync()}");
            Assert.Contains("continue", await r.Content.ReadAsStringAsync());
        }
    }

    [Fact]
    public async Task Kubeconfig_path_outside_the_configured_folder_is_refused_alike_whether_or_not_it_exists()
    {
        var outside = Path.Combine(Directory.CreateTempSubdirectory("fleet-outside-").FullName, "config");
        await File.WriteAllTextAsync(outside, "apiVersion: v1\nkind: Config\n");
        var link = Path.Combine(_kubeDir, "link");
        File.CreateSymbolicLink(link, outside);
        var messages = new List<string>();
        foreach (var path in new[] { "/etc/passwd", "/nonexistent/kubeconfig", outside, "../" + Path.GetFileName(Path.GetDirectoryName(outside)) + "/config", link, "missing-inside" })
        {
            var r = await _admin.PostAsync("/api/kubilitics/v1/clusters", Json(new { kubeconfig_path = path, name = "p" + Guid.NewGuid().ToString("N")[..8] }));
            var text = await r.Content.ReadAsStringAsync();
            Assert.True(r.StatusCode == HttpStatusCode.BadRequest, $"{path}: {(int)r.StatusCode} {text}");
            messages.Add((string)JsonNode.Parse(text)!["error"]!);
        }
        Assert.Single(messages.Distinct());
        Assert.Contains("kubeconfig_path", messages[0]);
        Assert.DoesNotContain("exist", messages[0]);
    }

    [Theory]
    [InlineData("huge")]
    [InlineData("nul\u0000name")]
    [InlineData("ctrl\u0001\u001fname")]
    [InlineData("a/b#c?d\\e")]
    public async Task A_failed_login_with_an_odd_username_is_audited(string username)
    {
        if (username == "huge") username = "huge" + new string('u', 40_000);
        var marker = "odd" + Guid.NewGuid().ToString("N")[..10];
        username = marker + username;
        var body = "{\"username\":" + System.Text.Json.JsonSerializer.Serialize(username) + ",\"password\":\"wrong\"}";
        var r = await _app.Client.PostAsync("/api/auth/login", new StringContent(body, Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Unauthorized, r.StatusCode);

        var store = _app.Services.GetRequiredService<AuditStore>();
        var page = await store.QueryAsync(new AuditQuery(null, null, "login_failed", DateTimeOffset.UtcNow.AddMinutes(-5), null), 500, null);
        Assert.Contains(page.Items, e => e.Username?.StartsWith(marker, StringComparison.Ordinal) == true && e.StatusCode == 401);
    }

    [Fact]
    public async Task Kubilitics_api_keys_start_with_kubilitics_and_authenticate()
    {
        var r = await _admin.PostAsJsonAsync("/api/kubilitics/v1/auth/api-keys", new { name = "prefix-check" });
        Assert.Equal(HttpStatusCode.Created, r.StatusCode);
        var key = (string)JsonNode.Parse(await r.Content.ReadAsStringAsync())!["key"]!;
        SecretRegistry.Register(key, "an API key");
        Assert.StartsWith("kubilitics_", key);
        using var client = _app.CreateClient(apiKey: key);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/kubilitics/v1/auth/me")).StatusCode);
    }

    [Fact]
    public async Task Snap_cluster_create_errors_name_kubeconfig_content()
    {
        var missing = await SnapError(await _admin.PostAsync("/api/snap/config/clusters/create", Json(new { name = "x" + Guid.NewGuid().ToString("N")[..8] })), HttpStatusCode.BadRequest);
        Assert.Contains("field: kubeconfig_content", (string?)missing["details"]);
        var bad = await SnapError(await _admin.PostAsync("/api/snap/config/clusters/create",
            Json(new { name = "x" + Guid.NewGuid().ToString("N")[..8], kubeconfig_content = "@@not base64@@" })), HttpStatusCode.BadRequest);
        Assert.Contains("field: kubeconfig_content", (string?)bad["details"]);
        Assert.DoesNotContain("kubeconfig_base64", bad.ToJsonString());
    }

    [Fact]
    public async Task Snap_login_returns_the_users_email()
    {
        var email = $"snap-{Guid.NewGuid():N}@example.test";
        var (user, password) = await _app.CreateUserAsync(FleetRole.Viewer, email);
        var r = await _app.Client.PostAsJsonAsync("/api/snap/config/user/login", new { username = user.Username, password });
        Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        Assert.Equal(email, (string?)JsonNode.Parse(await r.Content.ReadAsStringAsync())!["user"]!["email"]);
    }

    [Fact]
    public async Task Homei_create_with_the_docker_engine_down_is_502_and_leaves_nothing()
    {
        var dead = Path.Combine(Path.GetTempPath(), "no-docker-" + Guid.NewGuid().ToString("N")[..8] + ".sock");
        await using var app = await FleetApp.StartAsync(new Dictionary<string, string?>
        {
            ["RateLimits__Enabled"] = "false",
            ["Docker__Endpoint"] = "unix://" + dead,
        });
        var admin = await app.LoginAsync(FleetRole.Admin);
        var name = "down-" + Guid.NewGuid().ToString("N")[..8];
        var r = await admin.PostAsJsonAsync("/api/homei/v1/services", new { name, image = "busybox:latest", enabled = true });
        var error = await HomeiError(r, HttpStatusCode.BadGateway);
        Assert.NotNull(error["code"]);
        var get = await admin.GetAsync($"/api/homei/v1/services/{name}");
        Assert.Equal(HttpStatusCode.NotFound, get.StatusCode);
        Assert.Null(await app.Services.GetRequiredService<ServiceStore>().GetAsync(name));
    }

    private static async Task<JsonObject> SnapError(HttpResponseMessage r, HttpStatusCode expected)
    {
        var text = await r.Content.ReadAsStringAsync();
        Assert.True(expected == r.StatusCode, $"expected {expected}, got {(int)r.StatusCode}: {text}");
        var body = JsonNode.Parse(text)!.AsObject();
        Assert.False((bool)body["success"]!);
        return body;
    }

    private static async Task<JsonObject> HomeiError(HttpResponseMessage r, HttpStatusCode expected)
    {
        var text = await r.Content.ReadAsStringAsync();
        Assert.True(expected == r.StatusCode, $"expected {expected}, got {(int)r.StatusCode}: {text}");
        var body = JsonNode.Parse(text)!.AsObject();
        Assert.NotNull(body["timestamp"]);
        return body["error"]!.AsObject();
    }
}
