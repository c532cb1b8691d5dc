using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Fleet.Functions.Platform.Auth;
using Fleet.Tests.Support;

namespace Fleet.Tests.Identity;

/// <summary>Per-cluster permissions override the global role on a cluster's routes; Auth__Mode optional and disabled.</summary>
public sealed class ClusterPermissionAndModeTests
{
    private static void MapProbes(WebApplication app)
    {
        app.MapGet("/api/kubilitics/v1/clusters/{clusterId}/_probe", () => Results.Json(new { ok = true })).RequireRole(FleetRole.Viewer);
        app.MapPost("/api/kubilitics/v1/clusters/{clusterId}/_probe", () => Results.Json(new { ok = true })).RequireRole(FleetRole.Operator);
    }

    [Fact]
    public async Task A_cluster_permission_raises_or_lowers_the_global_role_for_that_cluster_only()
    {
        await using var app = await FleetApp.StartAsync(mapExtra: MapProbes);
        var admin = await app.LoginAsync(FleetRole.Admin);
        var (viewer, viewerPassword) = await app.CreateUserAsync(FleetRole.Viewer);
        var (op, opPassword) = await app.CreateUserAsync(FleetRole.Operator);
        var set = await admin.PostAsJsonAsync($"/api/kubilitics/v1/users/{viewer.Id}/cluster-permissions", new { cluster_id = "c-raised", role = "operator" });
        Assert.Equal("operator", (string?)JsonNode.Parse(await set.Content.ReadAsStringAsync())!["role"]);
        await admin.PostAsJsonAsync($"/api/kubilitics/v1/users/{op.Id}/cluster-permissions", new { cluster_id = "c-lowered", role = "viewer" });

        var viewerClient = app.CreateClient((await app.LoginTokensAsync(viewer.Username, viewerPassword)).AccessToken);
        var opClient = app.CreateClient((await app.LoginTokensAsync(op.Username, opPassword)).AccessToken);
        Assert.Equal(HttpStatusCode.OK, (await viewerClient.PostAsync("/api/kubilitics/v1/clusters/c-raised/_probe", null)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await viewerClient.PostAsync("/api/kubilitics/v1/clusters/c-other/_probe", null)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await opClient.PostAsync("/api/kubilitics/v1/clusters/c-lowered/_probe", null)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await opClient.GetAsync("/api/kubilitics/v1/clusters/c-lowered/_probe")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await opClient.PostAsync("/api/kubilitics/v1/clusters/c-other/_probe", null)).StatusCode);

        // A cluster permission does not reach user management routes that name the cluster.
        var escalate = new HttpRequestMessage(HttpMethod.Delete, $"/api/kubilitics/v1/users/{op.Id}/cluster-permissions/c-raised");
        escalate.Headers.Add("X-Confirm-Destructive", "true");
        Assert.Equal(HttpStatusCode.Forbidden, (await viewerClient.SendAsync(escalate)).StatusCode);

        var me = JsonNode.Parse(await viewerClient.GetStringAsync("/api/kubilitics/v1/auth/me"))!;
        Assert.Equal("operator", (string?)me["cluster_permissions"]!["c-raised"]);
        var list = JsonNode.Parse(await admin.GetStringAsync($"/api/kubilitics/v1/users/{viewer.Id}/cluster-permissions"))!.AsArray();
        Assert.Equal("c-raised", (string?)Assert.Single(list)!["cluster_id"]);

        var remove = new HttpRequestMessage(HttpMethod.Delete, $"/api/kubilitics/v1/users/{viewer.Id}/cluster-permissions/c-raised");
        remove.Headers.Add("X-Confirm-Destructive", "true");
        Assert.Equal("Cluster permission removed", (string?)JsonNode.Parse(await (await admin.SendAsync(remove)).Content.ReadAsStringAsync())!["message"]);
        Assert.Equal(HttpStatusCode.Forbidden, (await viewerClient.PostAsync("/api/kubilitics/v1/clusters/c-raised/_probe", null)).StatusCode);
    }

    [Fact]
    public async Task Optional_mode_lets_anonymous_callers_read_but_not_write_and_still_rejects_bad_tokens()
    {
        await using var app = await FleetApp.StartAsync(new Dictionary<string, string?> { ["Auth__Mode"] = "optional" }, mapExtra: MapProbes);
        Assert.Equal(HttpStatusCode.OK, (await app.Client.GetAsync("/api/kubilitics/v1/clusters/c1/_probe")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await app.Client.PostAsync("/api/kubilitics/v1/clusters/c1/_probe", null)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await app.CreateClient("bogus.token.value").GetAsync("/api/kubilitics/v1/clusters/c1/_probe")).StatusCode);
        var op = await app.LoginAsync(FleetRole.Operator);
        Assert.Equal(HttpStatusCode.OK, (await op.PostAsync("/api/kubilitics/v1/clusters/c1/_probe", null)).StatusCode);
    }

    [Fact]
    public async Task Disabled_mode_needs_no_credentials_and_required_is_the_default()
    {
        await using (var disabled = await FleetApp.StartAsync(new Dictionary<string, string?> { ["Auth__Mode"] = "disabled" }, mapExtra: MapProbes))
        {
            Assert.Equal(HttpStatusCode.OK, (await disabled.Client.PostAsync("/api/kubilitics/v1/clusters/c1/_probe", null)).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await disabled.Client.GetAsync("/api/kubilitics/v1/audit-log?limit=1")).StatusCode);
        }
        await using var required = await FleetApp.StartAsync(mapExtra: MapProbes);
        var r = await required.Client.GetAsync("/api/kubilitics/v1/clusters/c1/_probe");
        Assert.Equal(HttpStatusCode.Unauthorized, r.StatusCode);
        Assert.Equal("Authentication required", (string?)JsonNode.Parse(await r.Content.ReadAsStringAsync())!["error"]);
    }

    [Fact]
    public async Task Kubilitics_delete_without_confirmation_is_400_and_deletes_nothing()
    {
        await using var app = await FleetApp.StartAsync();
        var admin = await app.LoginAsync(FleetRole.Admin);
        var (user, _) = await app.CreateUserAsync(FleetRole.Viewer);
        var r = await admin.DeleteAsync($"/api/kubilitics/v1/users/{user.Id}");
        Assert.Equal(HttpStatusCode.BadRequest, r.StatusCode);
        Assert.Contains("X-Confirm-Destructive", (string?)JsonNode.Parse(await r.Content.ReadAsStringAsync())!["error"]);
        Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync($"/api/kubilitics/v1/users/{user.Id}")).StatusCode);

        var confirmed = new HttpRequestMessage(HttpMethod.Delete, $"/api/kubilitics/v1/users/{user.Id}");
        confirmed.Headers.Add("X-Confirm-Destructive", "true");
        Assert.Equal(HttpStatusCode.OK, (await admin.SendAsync(confirmed)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await admin.GetAsync($"/api/kubilitics/v1/users/{user.Id}")).StatusCode);
    }
}
