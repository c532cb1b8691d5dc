using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Fleet.Functions.Platform.Auth;
using Fleet.Tests.Support;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Fleet.Tests.Identity;

/// <summary>Acceptance: tampered tokens are 401; refresh rotates; a reused refresh token revokes its chain; logout.</summary>
public sealed class TokenTests : IAsyncLifetime
{
    private const string SigningKey = "token-tests-signing-key-0123456789-abcdefghijklmnop";
    private FleetApp _app = null!;

    public async Task InitializeAsync() => _app = await FleetApp.StartAsync(new Dictionary<string, string?> { ["Auth__SigningKey"] = SigningKey });
    public async Task DisposeAsync() => await _app.DisposeAsync();

    private async Task<HttpStatusCode> Me(string token) => (await _app.CreateClient(token).GetAsync("/api/auth/me")).StatusCode;

    private static string Sign(string key, string issuer = "fleet", string audience = "fleet", DateTime? expires = null, string alg = SecurityAlgorithms.HmacSha256)
    {
        var now = DateTime.UtcNow;
        var exp = expires ?? now.AddMinutes(10);
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = issuer, Audience = audience, IssuedAt = exp.AddMinutes(-20), NotBefore = exp.AddMinutes(-20), Expires = exp,
            SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(Encoding.UTF8.GetBytes(key)), alg),
            Claims = new Dictionary<string, object> { ["sub"] = Guid.NewGuid().ToString(), ["name"] = "mallory", ["role"] = "admin" },
        });
    }

    private static string B64(string s) => Base64UrlEncoder.Encode(s);

    [Fact]
    public async Task A_valid_token_is_accepted_and_me_describes_the_user()
    {
        var (user, password) = await _app.CreateUserAsync(FleetRole.Operator);
        var (access, _) = await _app.LoginTokensAsync(user.Username, password);
        var me = JsonNode.Parse(await _app.CreateClient(access).GetStringAsync("/api/auth/me"))!;
        Assert.Equal(user.Id, (string?)me["id"]);
        Assert.Equal("operator", (string?)me["role"]);
        Assert.NotNull(me["cluster_permissions"]);
        // A token we signed ourselves with the configured key is valid too: the control for the tampered cases.
        Assert.NotEqual(HttpStatusCode.Unauthorized, await Me(Sign(SigningKey)));
    }

    [Fact]
    public async Task Alg_none_wrong_signature_expired_wrong_audience_and_issuer_are_401()
    {
        var none = B64("""{"alg":"none","typ":"JWT"}""") + "." + B64($$"""{"sub":"x","name":"mallory","role":"admin","iss":"fleet","aud":"fleet","exp":{{DateTimeOffset.UtcNow.AddHours(1).ToUnixTimeSeconds()}}}""") + ".";
        Assert.Equal(HttpStatusCode.Unauthorized, await Me(none));
        Assert.Equal(HttpStatusCode.Unauthorized, await Me(Sign("some-other-key-that-is-long-enough-0123456789")));
        Assert.Equal(HttpStatusCode.Unauthorized, await Me(Sign(SigningKey, expires: DateTime.UtcNow.AddMinutes(-5))));
        Assert.Equal(HttpStatusCode.Unauthorized, await Me(Sign(SigningKey, audience: "someone-else")));
        Assert.Equal(HttpStatusCode.Unauthorized, await Me(Sign(SigningKey, issuer: "someone-else")));
        Assert.Equal(HttpStatusCode.Unauthorized, await Me(Sign(SigningKey + SigningKey, alg: SecurityAlgorithms.HmacSha512)));
        Assert.Equal(HttpStatusCode.Unauthorized, await Me("not-a-token"));

        // A valid token with one payload byte changed.
        var good = Sign(SigningKey);
        var parts = good.Split('.');
        var tampered = parts[0] + "." + B64(Base64UrlEncoder.Decode(parts[1]).Replace("mallory", "mallorz")) + "." + parts[2];
        Assert.Equal(HttpStatusCode.Unauthorized, await Me(tampered));

        var r = await _app.CreateClient(none).GetAsync("/api/kubilitics/v1/auth/me");
        Assert.Equal(HttpStatusCode.Unauthorized, r.StatusCode);
        Assert.NotNull(JsonNode.Parse(await r.Content.ReadAsStringAsync())!["error"]);
    }

    [Fact]
    public async Task Refresh_rotates_and_a_reused_token_revokes_the_whole_chain()
    {
        var (user, password) = await _app.CreateUserAsync(FleetRole.Viewer);
        var (_, first) = await _app.LoginTokensAsync(user.Username, password);

        var second = await Refresh(first);
        Assert.Equal(HttpStatusCode.OK, second.Status);
        Assert.NotEqual(first, second.Refresh);
        Assert.Equal(HttpStatusCode.OK, await Me(second.Access!));

        var third = await Refresh(second.Refresh!);
        Assert.Equal(HttpStatusCode.OK, third.Status);

        // The first token again: reuse. It fails, and so does the newest token of its chain.
        Assert.Equal(HttpStatusCode.Unauthorized, (await Refresh(first)).Status);
        Assert.Equal(HttpStatusCode.Unauthorized, (await Refresh(third.Refresh!)).Status);

        // A fresh login is a new chain and works.
        var (_, fresh) = await _app.LoginTokensAsync(user.Username, password);
        Assert.Equal(HttpStatusCode.OK, (await Refresh(fresh)).Status);
        Assert.Equal(HttpStatusCode.Unauthorized, (await Refresh("garbage")).Status);
    }

    [Fact]
    public async Task Logout_invalidates_the_sessions_refresh_token()
    {
        var (user, password) = await _app.CreateUserAsync(FleetRole.Viewer);
        var (access, refresh) = await _app.LoginTokensAsync(user.Username, password);
        var r = await _app.CreateClient(access).PostAsync("/api/kubilitics/v1/auth/logout", null);
        Assert.Equal("Logged out successfully", (string?)JsonNode.Parse(await r.Content.ReadAsStringAsync())!["message"]);
        Assert.Equal(HttpStatusCode.Unauthorized, (await Refresh(refresh)).Status);
    }

    private async Task<(HttpStatusCode Status, string? Access, string? Refresh)> Refresh(string refreshToken)
    {
        var r = await _app.Client.PostAsJsonAsync("/api/auth/refresh", new { refresh_token = refreshToken });
        if (!r.IsSuccessStatusCode) return (r.StatusCode, null, null);
        var body = JsonNode.Parse(await r.Content.ReadAsStringAsync())!;
        var next = (string)body["refresh_token"]!;
        SecretRegistry.Register(next, "a refresh token after its issue");
        Assert.Equal("Bearer", (string?)body["token_type"]);
        Assert.Equal(3600, (int)body["expires_in"]!);
        return (r.StatusCode, (string)body["access_token"]!, next);
    }
}
