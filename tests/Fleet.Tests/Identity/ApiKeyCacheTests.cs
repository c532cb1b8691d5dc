using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Fleet.Core.Platform.Identity;
using Fleet.Functions.Platform.Auth;
using Fleet.Tests.Support;

namespace Fleet.Tests.Identity;

/// <summary>
/// API keys are answered from a short cache; changes made on this host must still apply at once:
/// a new role on the next request, and a deleted user's key refused.
/// </summary>
public sealed class ApiKeyCacheTests : IAsyncLifetime
{
    private FleetApp _app = null!;

    public async Task InitializeAsync() => _app = await FleetApp.StartAsync();
    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task A_role_change_and_a_deletion_apply_to_a_cached_key_at_once()
    {
        var (user, _) = await _app.CreateUserAsync(FleetRole.Operator);
        var key = (await _app.Services.GetRequiredService<ApiKeyService>().CreateAsync(user.Id, "cached", null)).Key;
        SecretRegistry.Register(key, "an API key after its creation");
        var viaKey = _app.CreateClient(apiKey: key);
        Assert.Equal("operator", (string?)JsonNode.Parse(await viaKey.GetStringAsync("/api/auth/me"))!["role"]);

        var admin = await _app.LoginAsync(FleetRole.Admin);
        (await admin.PatchAsJsonAsync($"/api/kubilitics/v1/users/{user.Id}", new { role = "viewer" })).EnsureSuccessStatusCode();
        Assert.Equal("viewer", (string?)JsonNode.Parse(await viaKey.GetStringAsync("/api/auth/me"))!["role"]);

        var delete = new HttpRequestMessage(HttpMethod.Delete, $"/api/kubilitics/v1/users/{user.Id}");
        delete.Headers.Add("X-Confirm-Destructive", "true");
        (await admin.SendAsync(delete)).EnsureSuccessStatusCode();
        Assert.Equal(HttpStatusCode.Unauthorized, (await viaKey.GetAsync("/api/auth/me")).StatusCode);
    }
}
