using Fleet.Core.Kubilitics;
using Fleet.Core.Platform.Identity;
using Fleet.Core.Platform.Time;
using Fleet.Functions.Platform.Auth;

namespace Fleet.Functions.Kubilitics;

/// <summary>Kubilitics <c>/v1/projects</c>: groups of clusters and namespaces (Table storage, see <see cref="ProjectStore"/>).</summary>
public static class KubiliticsProjectFunctions
{
    public sealed record ProjectRequest(string? Name = null, string? Description = null);
    public sealed record ProjectClusterRequest(string? ClusterId = null);
    public sealed record ProjectNamespaceRequest(string? ClusterId = null, string? Namespace = null, string? Team = null);
    public sealed record ProjectNamespaceView(string ClusterId, string Namespace, string? Team);

    public sealed record ProjectView(string Id, string Name, string Description, IReadOnlyList<string> Clusters,
        IReadOnlyList<ProjectNamespaceView> Namespaces, string CreatedAt, string UpdatedAt)
    {
        public static ProjectView From(Project p) => new(p.Id, p.Name, p.Description, p.Clusters,
            p.Namespaces.Select(n => new ProjectNamespaceView(n.ClusterId, n.Namespace, n.Team)).ToList(),
            FleetTime.Format(p.CreatedAt)!, FleetTime.Format(p.UpdatedAt)!);
    }

    public static void MapKubiliticsProjects(this RouteGroupBuilder group)
    {
        var projects = group.MapGroup("/v1/projects").WithTags("kubilitics");
        projects.MapGet("", List).RequireRole(FleetRole.Viewer).WithSummary("List projects")
            .Produces<List<ProjectView>>();
        projects.MapPost("", Create).RequireRole(FleetRole.Admin).WithSummary("Create a project")
            .Produces<ProjectView>(StatusCodes.Status201Created).Produces<KubiliticsErrorJson>(400).Produces<KubiliticsErrorJson>(409);
        projects.MapGet("/{projectId}", Get).RequireRole(FleetRole.Viewer).WithSummary("Get a project")
            .Produces<ProjectView>().Produces<KubiliticsErrorJson>(404);
        projects.MapPatch("/{projectId}", Update).RequireRole(FleetRole.Admin).WithSummary("Update a project")
            .Produces<ProjectView>().Produces<KubiliticsErrorJson>(400).Produces<KubiliticsErrorJson>(404).Produces<KubiliticsErrorJson>(409);
        projects.MapDelete("/{projectId}", Delete).RequireRole(FleetRole.Admin).WithSummary("Delete a project")
            .Produces<MessageResponse>().Produces<KubiliticsErrorJson>(404);
        projects.MapPost("/{projectId}/clusters", AddCluster).RequireRole(FleetRole.Admin).WithSummary("Add a cluster to a project")
            .Produces<MessageResponse>().Produces<KubiliticsErrorJson>(400).Produces<KubiliticsErrorJson>(404);
        projects.MapDelete("/{projectId}/clusters/{clusterId}", RemoveCluster).RequireRole(FleetRole.Admin).WithSummary("Remove a cluster from a project")
            .Produces<MessageResponse>().Produces<KubiliticsErrorJson>(404);
        projects.MapPost("/{projectId}/namespaces", AddNamespace).RequireRole(FleetRole.Admin).WithSummary("Add a namespace to a project")
            .Produces<MessageResponse>().Produces<KubiliticsErrorJson>(400).Produces<KubiliticsErrorJson>(404);
        projects.MapDelete("/{projectId}/namespaces/{clusterId}/{namespaceName}", RemoveNamespace).RequireRole(FleetRole.Admin)
            .WithSummary("Remove a namespace from a project").Produces<MessageResponse>().Produces<KubiliticsErrorJson>(404);
    }

    private static ProjectViewer Viewer(HttpContext http, AuthSettings auth)
    {
        var caller = http.User.Caller();
        return new ProjectViewer(caller?.UserId, auth.Mode == AuthMode.Disabled || caller?.Role == UserRoles.Admin);
    }

    private static async Task<IResult> List(HttpContext http, AuthSettings auth, ProjectService projects, CancellationToken ct) =>
        Results.Json((await projects.ListAsync(Viewer(http, auth), ct)).Select(ProjectView.From));

    private static async Task<IResult> Get(string projectId, HttpContext http, AuthSettings auth, ProjectService projects, CancellationToken ct) =>
        Results.Json(ProjectView.From(await projects.GetAsync(projectId, Viewer(http, auth), ct)));

    private static async Task<IResult> Create(ProjectRequest body, ProjectService projects, CancellationToken ct) =>
        Results.Json(ProjectView.From(await projects.CreateAsync(body.Name, body.Description, ct)), statusCode: StatusCodes.Status201Created);

    private static async Task<IResult> Update(string projectId, ProjectRequest body, ProjectService projects, CancellationToken ct) =>
        Results.Json(ProjectView.From(await projects.UpdateAsync(projectId, body.Name, body.Description, ct)));

    private static async Task<IResult> Delete(string projectId, ProjectService projects, CancellationToken ct)
    {
        await projects.DeleteAsync(projectId, ct);
        return Results.Json(new MessageResponse("Project deleted"));
    }

    private static async Task<IResult> AddCluster(string projectId, ProjectClusterRequest body, ProjectService projects, CancellationToken ct)
    {
        await projects.AddClusterAsync(projectId, body.ClusterId, ct);
        return Results.Json(new MessageResponse("Cluster added to project"));
    }

    private static async Task<IResult> RemoveCluster(string projectId, string clusterId, ProjectService projects, CancellationToken ct)
    {
        await projects.RemoveClusterAsync(projectId, clusterId, ct);
        return Results.Json(new MessageResponse("Cluster removed from project"));
    }

    private static async Task<IResult> AddNamespace(string projectId, ProjectNamespaceRequest body, ProjectService projects, CancellationToken ct)
    {
        await projects.AddNamespaceAsync(projectId, body.ClusterId, body.Namespace, body.Team, ct);
        return Results.Json(new MessageResponse("Namespace added to project"));
    }

    private static async Task<IResult> RemoveNamespace(string projectId, string clusterId, string namespaceName, ProjectService projects, CancellationToken ct)
    {
        await projects.RemoveNamespaceAsync(projectId, clusterId, namespaceName, ct);
        return Results.Json(new MessageResponse("Namespace removed from project"));
    }
}
