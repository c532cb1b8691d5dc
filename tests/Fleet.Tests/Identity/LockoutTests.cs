using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Fleet.Core.Platform.Identity;
using Fleet.Functions.Platform.Auth;
using Fleet.Tests.Support;

namespace Fleet.Tests.Identity;

/// <summary>Acceptance: lockout after 5 failures → 423 in each family's envelope; admin unlock; no user enumeration; password policy.</summary>
public sealed class LockoutTests : IAsyncLifetime
{
    private FleetApp _app = null!;

    public async Task InitializeAsync() => _app = await FleetApp.StartAsync();
    public async Task DisposeAsync() => await _app.DisposeAsync();

    public static TheoryData<string> LoginRoutes => new() { "/api/auth/login", "/api/kubilitics/v1/auth/login", "/api/pioneer/auth/login", "/api/snap/config/user/login" };

    private Task<HttpResponseMessage> Login(string route, string login, string password) =>
        _app.Client.PostAsJsonAsync(route, route.Contains("pioneer") ? (object)new { email = login, password } : new { username = login, password });

    [Theory, MemberData(nameof(LoginRoutes))]
    public async Task Five_failures_lock_the_account_with_423_in_the_family_envelope(string route)
    {
        var email = $"lock-{Guid.NewGuid():N}@example.com";
        var (user, password) = await _app.CreateUserAsync(FleetRole.Viewer, email);
        var login = route.Contains("pioneer") ? email : user.Username;
        for (var i = 0; i < LoginService.MaxFailures; i++)
            Assert.Equal(HttpStatusCode.Unauthorized, (await Login(route, login, "wrong-password-" + i)).StatusCode);

        var locked = await Login(route, login, password);
        Assert.Equal((HttpStatusCode)423, locked.StatusCode);
        Assert.NotNull(locked.Headers.RetryAfter);
        var body = JsonNode.Parse(await locked.Content.ReadAsStringAsync())!;
        switch (route)
        {
            case var r when r.Contains("kubilitics"):
                Assert.Contains("locked", (string?)body["error"]);
                break;
            case var r when r.Contains("snap"):
                Assert.False((bool)body["success"]!);
                Assert.Equal("ACCOUNT_LOCKED", (string?)body["code"]);
                break;
            default:
                Assert.Equal("ACCOUNT_LOCKED", (string?)body["error"]!["code"]);
                Assert.NotNull(body["request_id"]);
                break;
        }

        // An admin unlocks; the right password works again.
        var admin = await _app.LoginAsync(FleetRole.Admin);
        var unlock = await admin.PostAsync($"/api/kubilitics/v1/users/{user.Id}/unlock", null);
        Assert.Equal("User unlocked", (string?)JsonNode.Parse(await unlock.Content.ReadAsStringAsync())!["message"]);
        Assert.Equal(HttpStatusCode.OK, (await Login(route, login, password)).StatusCode);
    }

    [Fact]
    public async Task A_failure_does_not_reveal_whether_the_user_exists()
    {
        var (user, _) = await _app.CreateUserAsync(FleetRole.Viewer);
        var known = await Login("/api/kubilitics/v1/auth/login", user.Username, "wrong-password-123");
        var unknown = await Login("/api/kubilitics/v1/auth/login", "nobody-" + Guid.NewGuid().ToString("N"), "wrong-password-123");
        Assert.Equal(HttpStatusCode.Unauthorized, known.StatusCode);
        Assert.Equal(known.StatusCode, unknown.StatusCode);
        Assert.Equal(await known.Content.ReadAsStringAsync(), await unknown.Content.ReadAsStringAsync());

        // Both paths hash once: timing differs by noise, not by a PBKDF2 run.
        var sw = System.Diagnostics.Stopwatch.StartNew();
        for (var i = 0; i < 3; i++) await Login("/api/auth/login", "nobody-" + Guid.NewGuid().ToString("N"), "wrong-password-123");
        var unknownTime = sw.Elapsed;
        sw.Restart();
        for (var i = 0; i < 3; i++) await Login("/api/auth/login", user.Username + "@nowhere", "wrong-password-123");
        sw.Restart();
        var (other, _) = await _app.CreateUserAsync(FleetRole.Viewer);
        sw.Restart();
        for (var i = 0; i < 3; i++) await Login("/api/auth/login", other.Username, "wrong-password-123");
        var knownTime = sw.Elapsed;
        Assert.True(unknownTime > knownTime / 3, $"unknown {unknownTime.TotalMilliseconds} ms vs known {knownTime.TotalMilliseconds} ms");
    }

    [Fact]
    public async Task Passwords_shorter_than_12_characters_are_refused()
    {
        var admin = await _app.LoginAsync(FleetRole.Admin);
        var r = await admin.PostAsJsonAsync("/api/kubilitics/v1/users", new { username = "short-" + Guid.NewGuid().ToString("N")[..8], password = "elevenchars", role = "viewer" });
        Assert.Equal(HttpStatusCode.BadRequest, r.StatusCode);
        Assert.Contains("at least 12", (string?)JsonNode.Parse(await r.Content.ReadAsStringAsync())!["error"]);

        var (user, password) = await _app.CreateUserAsync(FleetRole.Viewer);
        var (access, _) = await _app.LoginTokensAsync(user.Username, password);
        var client = _app.CreateClient(access);
        var tooShort = await client.PostAsJsonAsync("/api/kubilitics/v1/auth/change-password", new { current_password = password, new_password = "short" });
        Assert.Equal(HttpStatusCode.BadRequest, tooShort.StatusCode);
        var wrongCurrent = await client.PostAsJsonAsync("/api/kubilitics/v1/auth/change-password", new { current_password = "not-the-password", new_password = "a-long-enough-password" });
        Assert.Equal(HttpStatusCode.Unauthorized, wrongCurrent.StatusCode);
        var next = "new-" + Guid.NewGuid().ToString("N");
        SecretRegistry.Register(next, "a password");
        var ok = await client.PostAsJsonAsync("/api/kubilitics/v1/auth/change-password", new { current_password = password, new_password = next });
        Assert.Equal("Password changed successfully", (string?)JsonNode.Parse(await ok.Content.ReadAsStringAsync())!["message"]);
        await _app.LoginTokensAsync(user.Username, next);
    }
}
