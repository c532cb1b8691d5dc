using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Fleet.Functions.Platform.Auth;
using Fleet.Tests.Support;

namespace Fleet.Tests.Identity;

/// <summary>Acceptance: the audit log lists the test's writes and logins, filters work, CSV has a header and one row per entry.</summary>
public sealed class AuditLogTests : IAsyncLifetime
{
    private FleetApp _app = null!;

    public async Task InitializeAsync() => _app = await FleetApp.StartAsync();
    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task Writes_and_logins_are_listed_filtered_paged_and_exported()
    {
        var since = DateTimeOffset.UtcNow.AddSeconds(-1).ToString("O");
        var (adminUser, adminPassword) = await _app.CreateUserAsync(FleetRole.Admin);
        var (access, _) = await _app.LoginTokensAsync(adminUser.Username, adminPassword);
        var admin = _app.CreateClient(access);

        var name = "audited-" + Guid.NewGuid().ToString("N")[..8];
        var password = "pw-" + Guid.NewGuid().ToString("N");
        SecretRegistry.Register(password, "a password");
        var created = JsonNode.Parse(await (await admin.PostAsJsonAsync("/api/kubilitics/v1/users", new { username = name, password, role = "viewer" })).Content.ReadAsStringAsync())!;
        var userId = (string)created["id"]!;
        await admin.PostAsJsonAsync($"/api/kubilitics/v1/users/{userId}/cluster-permissions", new { cluster_id = "audit-cluster", role = "operator" });
        await _app.Client.PostAsJsonAsync("/api/auth/login", new { username = name, password = "wrong-password-123" });

        var mine = JsonNode.Parse(await admin.GetStringAsync($"/api/kubilitics/v1/audit-log?user_id={adminUser.Id}&since={Uri.EscapeDataString(since)}"))!.AsArray();
        Assert.Contains(mine, e => (string?)e!["action"] == "login" && (int)e["status_code"]! == 200);
        var create = Assert.Single(mine, e => (string?)e!["action"] == "create" && (string?)e["resource_kind"] == "users");
        Assert.Equal(201, (int)create!["status_code"]!);
        Assert.Equal(adminUser.Username, (string?)create["username"]);
        Assert.NotNull(create["request_ip"]);
        Assert.NotNull(create["timestamp"]);
        var permission = Assert.Single(mine, e => (string?)e!["resource_kind"] == "cluster-permissions");
        Assert.Equal(200, (int)permission!["status_code"]!);
        // Newest first.
        var times = mine.Select(e => DateTimeOffset.Parse((string)e!["timestamp"]!)).ToList();
        Assert.Equal(times.OrderByDescending(t => t), times);

        var failed = JsonNode.Parse(await admin.GetStringAsync($"/api/kubilitics/v1/audit-log?action=login_failed&user_id={userId}"))!.AsArray();
        var f = Assert.Single(failed)!;
        Assert.Equal(401, (int)f["status_code"]!);
        Assert.Equal(name, (string?)f["username"]);

        var revoke = new HttpRequestMessage(HttpMethod.Delete, $"/api/kubilitics/v1/users/{userId}/cluster-permissions/audit-cluster");
        revoke.Headers.Add("X-Confirm-Destructive", "true");
        Assert.Equal(HttpStatusCode.OK, (await admin.SendAsync(revoke)).StatusCode);
        var clusterEntries = JsonNode.Parse(await admin.GetStringAsync("/api/kubilitics/v1/audit-log?cluster_id=audit-cluster&limit=1000"))!.AsArray();
        Assert.NotEmpty(clusterEntries);
        Assert.All(clusterEntries, e => Assert.Equal("audit-cluster", (string?)e!["cluster_id"]));
        Assert.Contains(clusterEntries, e => (string?)e!["action"] == "delete" && (string?)e["user_id"] == adminUser.Id);
        var future = JsonNode.Parse(await admin.GetStringAsync($"/api/kubilitics/v1/audit-log?user_id={adminUser.Id}&since={Uri.EscapeDataString(DateTimeOffset.UtcNow.AddHours(1).ToString("O"))}"))!.AsArray();
        Assert.Empty(future);
        var until = JsonNode.Parse(await admin.GetStringAsync($"/api/kubilitics/v1/audit-log?user_id={adminUser.Id}&until={Uri.EscapeDataString(since)}"))!.AsArray();
        Assert.Empty(until);

        // Paging: one entry per page, opaque continuation, no duplicates.
        var first = await admin.GetAsync($"/api/kubilitics/v1/audit-log?user_id={adminUser.Id}&limit=1");
        var token = first.Headers.GetValues("X-Continue").Single();
        var second = JsonNode.Parse(await admin.GetStringAsync($"/api/kubilitics/v1/audit-log?user_id={adminUser.Id}&limit=1&continue={Uri.EscapeDataString(token)}"))!.AsArray();
        Assert.NotEqual((string?)JsonNode.Parse(await first.Content.ReadAsStringAsync())![0]!["id"], (string?)second.Single()!["id"]);

        var csv = await admin.GetAsync($"/api/kubilitics/v1/audit-log?user_id={adminUser.Id}&since={Uri.EscapeDataString(since)}&format=csv");
        Assert.Equal("text/csv", csv.Content.Headers.ContentType?.MediaType);
        Assert.Contains("attachment", csv.Content.Headers.ContentDisposition?.ToString() ?? csv.Headers.ToString());
        var lines = (await csv.Content.ReadAsStringAsync()).TrimEnd('\n').Split('\n');
        Assert.Equal("id,timestamp,user_id,username,cluster_id,action,resource_kind,resource_namespace,resource_name,status_code,request_ip,details", lines[0]);
        var now = JsonNode.Parse(await admin.GetStringAsync($"/api/kubilitics/v1/audit-log?user_id={adminUser.Id}&since={Uri.EscapeDataString(since)}"))!.AsArray();
        Assert.Equal(now.Count + 1, lines.Length);
        foreach (var e in now) Assert.Contains(lines, l => l.StartsWith((string)e!["id"]! + ","));
    }

    [Fact]
    public async Task The_audit_log_is_for_admins()
    {
        var operatorClient = await _app.LoginAsync(FleetRole.Operator);
        Assert.Equal(HttpStatusCode.Forbidden, (await operatorClient.GetAsync("/api/kubilitics/v1/audit-log")).StatusCode);
    }
}
