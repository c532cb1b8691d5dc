using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Fleet.Core.Kubilitics;
using Fleet.Core.Platform.Storage;
using Fleet.Functions.Platform.Auth;
using Fleet.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using static Fleet.Tests.Kubilitics.KubiliticsTestKit;

namespace Fleet.Tests.Kubilitics;

/// <summary>Projects: CRUD with clusters and namespaces in Table storage, and who sees which project.</summary>
[Trait("Category", "Kubernetes")]
public sealed class KubiliticsProjectTests : IAsyncLifetime
{
    private TestCluster _cluster = null!;
    private FleetApp _app = null!;
    private HttpClient _admin = null!;

    public async Task InitializeAsync()
    {
        _cluster = await TestCluster.CreateAsync();
        _app = await FleetApp.StartAsync(new Dictionary<string, string?> { ["RateLimits__Scale"] = "100" });
        _admin = await _app.LoginAsync(FleetRole.Admin);
    }

    public async Task DisposeAsync()
    {
        await _app.DisposeAsync();
        await _cluster.DisposeAsync();
    }

    private async Task<List<ProjectRow>> RowsAsync(string projectId)
    {
        var storage = _app.Services.GetRequiredService<FleetStorage>();
        var rows = new List<ProjectRow>();
        await foreach (var r in storage.Table<ProjectRow>(ProjectStore.Table).QueryAllAsync($"PartitionKey eq '{projectId}'")) rows.Add(r);
        return rows;
    }

    [Fact]
    public async Task Project_crud_with_clusters_and_namespaces_is_kept_in_table_storage()
    {
        var clusterId = await RegisterAsync(_admin, _cluster);
        var name = "prod-" + Guid.NewGuid().ToString("N")[..8];
        var created = await JsonAsync(await _admin.PostAsJsonAsync("/api/kubilitics/v1/projects", new { name, description = "Production environment" }), HttpStatusCode.Created);
        var id = (string)created["id"]!;
        Assert.Equal(name, (string?)created["name"]);
        Assert.Equal("Production environment", (string?)created["description"]);
        Assert.Empty(created["clusters"]!.AsArray());
        Assert.Empty(created["namespaces"]!.AsArray());

        // Same name again: conflict; no name: 400 naming the field; nothing written.
        Assert.Equal(HttpStatusCode.Conflict, (await _admin.PostAsJsonAsync("/api/kubilitics/v1/projects", new { name })).StatusCode);
        var bad = await JsonAsync(await _admin.PostAsJsonAsync("/api/kubilitics/v1/projects", new { description = "x" }), HttpStatusCode.BadRequest);
        Assert.Contains("name", (string?)bad["error"]);

        var added = await JsonAsync(await _admin.PostAsJsonAsync($"/api/kubilitics/v1/projects/{id}/clusters", new { cluster_id = clusterId }), HttpStatusCode.OK);
        Assert.Equal("Cluster added to project", (string?)added["message"]);
        var missing = await _admin.PostAsJsonAsync($"/api/kubilitics/v1/projects/{id}/clusters", new { cluster_id = Guid.NewGuid().ToString() });
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);

        var ns = await JsonAsync(await _admin.PostAsJsonAsync($"/api/kubilitics/v1/projects/{id}/namespaces",
            new { cluster_id = clusterId, @namespace = "prod", team = "platform" }), HttpStatusCode.OK);
        Assert.Equal("Namespace added to project", (string?)ns["message"]);
        Assert.Equal(HttpStatusCode.BadRequest, (await _admin.PostAsJsonAsync($"/api/kubilitics/v1/projects/{id}/namespaces",
            new { cluster_id = clusterId, @namespace = "Not_Valid" })).StatusCode);

        var got = await JsonAsync(await _admin.GetAsync($"/api/kubilitics/v1/projects/{id}"), HttpStatusCode.OK);
        Assert.Equal([clusterId], got["clusters"]!.AsArray().Select(c => (string)c!).ToArray());
        var member = got["namespaces"]!.AsArray().Single()!;
        Assert.Equal(clusterId, (string?)member["cluster_id"]);
        Assert.Equal("prod", (string?)member["namespace"]);
        Assert.Equal("platform", (string?)member["team"]);

        // The rows in Table storage: the project, its cluster, its namespace.
        var rows = await RowsAsync(id);
        Assert.Equal(new[] { ProjectStore.ClusterKey(clusterId), ProjectStore.NamespaceKey(clusterId, "prod"), ProjectStore.ProjectRowKey }.Order(),
            rows.Select(r => r.RowKey).Order());

        var patched = await JsonAsync(await _admin.PatchAsJsonAsync($"/api/kubilitics/v1/projects/{id}", new { description = "Updated description" }), HttpStatusCode.OK);
        Assert.Equal("Updated description", (string?)patched["description"]);
        Assert.Equal(name, (string?)patched["name"]);

        Assert.Equal("Namespace removed from project", (string?)(await JsonAsync(
            await Delete(_admin, $"/api/kubilitics/v1/projects/{id}/namespaces/{clusterId}/prod"), HttpStatusCode.OK))["message"]);
        Assert.Equal(HttpStatusCode.NotFound, (await Delete(_admin, $"/api/kubilitics/v1/projects/{id}/namespaces/{clusterId}/prod")).StatusCode);
        Assert.Equal("Cluster removed from project", (string?)(await JsonAsync(
            await Delete(_admin, $"/api/kubilitics/v1/projects/{id}/clusters/{clusterId}"), HttpStatusCode.OK))["message"]);
        Assert.Equal([ProjectStore.ProjectRowKey], (await RowsAsync(id)).Select(r => r.RowKey).ToArray());

        var list = await JsonAsync(await _admin.GetAsync("/api/kubilitics/v1/projects"), HttpStatusCode.OK);
        Assert.Contains(list.AsArray(), p => (string?)p!["id"] == id);
        Assert.Equal("Project deleted", (string?)(await JsonAsync(await Delete(_admin, $"/api/kubilitics/v1/projects/{id}"), HttpStatusCode.OK))["message"]);
        Assert.Equal(HttpStatusCode.NotFound, (await _admin.GetAsync($"/api/kubilitics/v1/projects/{id}")).StatusCode);
        Assert.Empty(await RowsAsync(id));
        // The name is free again.
        await JsonAsync(await _admin.PostAsJsonAsync("/api/kubilitics/v1/projects", new { name }), HttpStatusCode.Created);
    }

    [Fact]
    public async Task A_viewer_sees_only_projects_of_clusters_it_has_a_permission_on_and_removing_a_cluster_leaves_its_projects()
    {
        var seen = await RegisterAsync(_admin, _cluster);
        var hidden = await RegisterAsync(_admin, _cluster);
        var p1 = (string)(await JsonAsync(await _admin.PostAsJsonAsync("/api/kubilitics/v1/projects", new { name = "v-" + Guid.NewGuid().ToString("N")[..8] }), HttpStatusCode.Created))["id"]!;
        var p2 = (string)(await JsonAsync(await _admin.PostAsJsonAsync("/api/kubilitics/v1/projects", new { name = "h-" + Guid.NewGuid().ToString("N")[..8] }), HttpStatusCode.Created))["id"]!;
        await JsonAsync(await _admin.PostAsJsonAsync($"/api/kubilitics/v1/projects/{p1}/clusters", new { cluster_id = seen }), HttpStatusCode.OK);
        await JsonAsync(await _admin.PostAsJsonAsync($"/api/kubilitics/v1/projects/{p2}/clusters", new { cluster_id = hidden }), HttpStatusCode.OK);

        var (user, password) = await _app.CreateUserAsync(FleetRole.Viewer);
        await JsonAsync(await _admin.PostAsJsonAsync($"/api/kubilitics/v1/users/{user.Id}/cluster-permissions", new { cluster_id = seen, role = "viewer" }), HttpStatusCode.OK);
        var (token, _) = await _app.LoginTokensAsync(user.Username, password);
        var viewer = _app.CreateClient(token);

        var ids = (await JsonAsync(await viewer.GetAsync("/api/kubilitics/v1/projects"), HttpStatusCode.OK)).AsArray().Select(p => (string)p!["id"]!).ToList();
        Assert.Contains(p1, ids);
        Assert.DoesNotContain(p2, ids);
        Assert.Equal(HttpStatusCode.OK, (await viewer.GetAsync($"/api/kubilitics/v1/projects/{p1}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await viewer.GetAsync($"/api/kubilitics/v1/projects/{p2}")).StatusCode);
        // A viewer cannot change projects.
        Assert.Equal(HttpStatusCode.Forbidden, (await viewer.PostAsJsonAsync("/api/kubilitics/v1/projects", new { name = "nope" })).StatusCode);

        // Removing a cluster removes it from its projects.
        Assert.Equal(HttpStatusCode.OK, (await Delete(_admin, $"/api/kubilitics/v1/clusters/{hidden}")).StatusCode);
        var after = await JsonAsync(await _admin.GetAsync($"/api/kubilitics/v1/projects/{p2}"), HttpStatusCode.OK);
        Assert.Empty(after["clusters"]!.AsArray());
        Assert.Equal([ProjectStore.ProjectRowKey], (await RowsAsync(p2)).Select(r => r.RowKey).ToArray());
    }
}
