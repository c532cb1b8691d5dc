using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Azure.Data.Tables;
using Fleet.Core.Platform.Identity;
using Fleet.Functions.Platform.Auth;
using Fleet.Tests.Support;

namespace Fleet.Tests.Identity;

/// <summary>Acceptance: each family's login answers in its seed's shape; API keys work in both headers and stop when deleted.</summary>
public sealed class FamilyLoginTests : IAsyncLifetime
{
    private FleetApp _app = null!;

    public async Task InitializeAsync() => _app = await FleetApp.StartAsync();
    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task Kubilitics_and_CloudCore_login_return_the_token_shape()
    {
        var (user, password) = await _app.CreateUserAsync(FleetRole.Operator);
        foreach (var route in new[] { "/api/kubilitics/v1/auth/login", "/api/auth/login" })
        {
            var body = JsonNode.Parse(await (await _app.Client.PostAsJsonAsync(route, new { username = user.Username, password })).Content.ReadAsStringAsync())!;
            SecretRegistry.Register((string)body["refresh_token"]!, "a refresh token after its issue");
            Assert.Equal("Bearer", (string?)body["token_type"]);
            Assert.Equal(3600, (int)body["expires_in"]!);
            Assert.Equal(3, ((string)body["access_token"]!).Split('.').Length);
        }
    }

    [Fact]
    public async Task CloudPioneer_login_takes_an_email()
    {
        var email = $"pioneer-{Guid.NewGuid():N}@example.com";
        var (_, password) = await _app.CreateUserAsync(FleetRole.Viewer, email);
        var r = await _app.Client.PostAsJsonAsync("/api/pioneer/auth/login", new { email, password });
        var body = JsonNode.Parse(await r.Content.ReadAsStringAsync())!;
        SecretRegistry.Register((string)body["refresh_token"]!, "a refresh token after its issue");
        Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        Assert.Equal("bearer", (string?)body["token_type"]);
        Assert.Equal(3600, (int)body["expires_in"]!);
        var me = JsonNode.Parse(await _app.CreateClient((string)body["access_token"]!).GetStringAsync("/api/auth/me"))!;
        Assert.Equal(email, (string?)me["email"]);
    }

    [Fact]
    public async Task Snap_creates_and_logs_in_users_with_administrator_as_admin()
    {
        var admin = await _app.LoginAsync(FleetRole.Admin);
        var username = "snap-" + Guid.NewGuid().ToString("N")[..10];
        var password = "snap-" + Guid.NewGuid().ToString("N");
        SecretRegistry.Register(password, "a password");
        var created = await admin.PostAsJsonAsync("/api/snap/config/user/create",
            new { username, password, email = $"{username}@company.com", role = "administrator" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);

        var r = await _app.Client.PostAsJsonAsync("/api/snap/config/user/login", new { username, password });
        var body = JsonNode.Parse(await r.Content.ReadAsStringAsync())!;
        Assert.True((bool)body["success"]!);
        Assert.Equal(username, (string?)body["user"]!["username"]);
        Assert.Equal("administrator", (string?)body["user"]!["role"]);
        var me = JsonNode.Parse(await _app.CreateClient((string)body["token"]!).GetStringAsync("/api/auth/me"))!;
        Assert.Equal("admin", (string?)me["role"]);

        var bad = await _app.Client.PostAsJsonAsync("/api/snap/config/user/login", new { username, password = "wrong-password-123" });
        var err = JsonNode.Parse(await bad.Content.ReadAsStringAsync())!;
        Assert.Equal(HttpStatusCode.Unauthorized, bad.StatusCode);
        Assert.Equal("AUTHENTICATION_FAILED", (string?)err["code"]);
    }

    [Fact]
    public async Task An_api_key_works_in_both_headers_records_last_used_and_stops_when_deleted()
    {
        var (user, password) = await _app.CreateUserAsync(FleetRole.Operator);
        var (access, _) = await _app.LoginTokensAsync(user.Username, password);
        var owner = _app.CreateClient(access);

        var created = await owner.PostAsJsonAsync("/api/kubilitics/v1/auth/api-keys", new { name = "kcli-production" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var body = JsonNode.Parse(await created.Content.ReadAsStringAsync())!;
        var key = (string)body["key"]!;
        var id = (string)body["id"]!;
        SecretRegistry.Register(key, "an API key after its creation");
        Assert.Equal("kcli-production", (string?)body["name"]);
        Assert.NotNull(body["created_at"]);

        Assert.Equal(user.Id, (string?)JsonNode.Parse(await _app.CreateClient(apiKey: key).GetStringAsync("/api/auth/me"))!["id"]);
        Assert.Equal(user.Id, (string?)JsonNode.Parse(await _app.CreateClient(bearer: key).GetStringAsync("/api/kubilitics/v1/auth/me"))!["id"]);

        var list = JsonNode.Parse(await owner.GetStringAsync("/api/kubilitics/v1/auth/api-keys"))!.AsArray();
        var listed = Assert.Single(list, k => (string?)k!["id"] == id)!;
        Assert.NotNull(listed["last_used"]);
        Assert.Null(listed["key"]);

        // Stored hashed: the row holds neither the key nor its id-less secret.
        var row = await new TableClient(Peers.Storage, ApiKeyStore.Table).GetEntityAsync<TableEntity>(id, ApiKeyStore.KeyRow);
        Assert.DoesNotContain(((IDictionary<string, object>)row.Value).Values, v => v is string s && s.Contains(key[^20..]));

        var noConfirm = await owner.DeleteAsync($"/api/kubilitics/v1/auth/api-keys/{id}");
        Assert.Equal(HttpStatusCode.BadRequest, noConfirm.StatusCode);
        Assert.Contains("X-Confirm-Destructive", (string?)JsonNode.Parse(await noConfirm.Content.ReadAsStringAsync())!["error"]);
        Assert.Equal(HttpStatusCode.OK, (await _app.CreateClient(apiKey: key).GetAsync("/api/auth/me")).StatusCode);

        var del = new HttpRequestMessage(HttpMethod.Delete, $"/api/kubilitics/v1/auth/api-keys/{id}");
        del.Headers.Add("X-Confirm-Destructive", "true");
        Assert.Equal("API key deleted", (string?)JsonNode.Parse(await (await owner.SendAsync(del)).Content.ReadAsStringAsync())!["message"]);
        Assert.Equal(HttpStatusCode.Unauthorized, (await _app.CreateClient(apiKey: key).GetAsync("/api/auth/me")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await _app.CreateClient(bearer: key).GetAsync("/api/auth/me")).StatusCode);
    }

    [Fact]
    public async Task No_response_contains_a_password_hash_and_the_hash_is_PBKDF2()
    {
        var (user, _) = await _app.CreateUserAsync(FleetRole.Viewer);
        var admin = await _app.LoginAsync(FleetRole.Admin);
        var got = JsonNode.Parse(await admin.GetStringAsync($"/api/kubilitics/v1/users/{user.Id}"))!;
        Assert.Equal(user.Username, (string?)got["username"]);
        Assert.Null(got["password_hash"]);
        // Identity's v3 format: version byte 0x01, then PRF, iterations, salt, subkey.
        Assert.Equal(0x01, Convert.FromBase64String(user.PasswordHash)[0]);
        await admin.GetStringAsync("/api/kubilitics/v1/users?limit=500");
    }
}
