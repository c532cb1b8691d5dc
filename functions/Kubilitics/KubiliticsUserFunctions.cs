using System.Text.Json.Serialization;
using Fleet.Core.Platform.Identity;
using Fleet.Functions.Platform.Auth;

namespace Fleet.Functions.Kubilitics;

/// <summary>Kubilitics <c>/v1/users</c>: user management, unlock and per-cluster permissions (admin only).</summary>
public static class KubiliticsUserFunctions
{
    public const string ContinueHeader = "X-Continue";

    public sealed record CreateUserRequest(string? Username = null, string? Password = null, string? Role = null, string? Email = null);
    public sealed record UpdateUserRequest(string? Role = null, string? Password = null);
    public sealed record ClusterPermissionRequest(string? ClusterId = null, string? Role = null);
    public sealed record ClusterPermissionResponse([property: JsonPropertyName("cluster_id")] string ClusterId, string Role);

    public sealed record UserResponse(string Id, string Username, string Role, string? Email,
        [property: JsonPropertyName("created_at")] DateTimeOffset CreatedAt,
        [property: JsonPropertyName("updated_at")] DateTimeOffset? UpdatedAt,
        [property: JsonPropertyName("last_login")] DateTimeOffset? LastLogin,
        [property: JsonPropertyName("locked_until")] DateTimeOffset? LockedUntil)
    {
        public static UserResponse From(UserEntity u) =>
            new(u.Id, u.Username, u.Role, u.Email, u.CreatedAt, u.UpdatedAt, u.LastLogin, u.IsLocked(DateTimeOffset.UtcNow) ? u.LockedUntil : null);
    }

    public static void MapKubiliticsUsers(this RouteGroupBuilder group)
    {
        var users = group.MapGroup("/v1/users").RequireRole(FleetRole.Admin);
        users.MapGet("", List).WithName("KubiliticsListUsers").WithSummary("List users");
        users.MapPost("", Create).WithName("KubiliticsCreateUser").WithSummary("Create user").Produces<UserResponse>(StatusCodes.Status201Created);
        users.MapGet("/{userId}", Get).WithName("KubiliticsGetUser").WithSummary("Get user");
        users.MapPatch("/{userId}", Update).WithName("KubiliticsUpdateUser").WithSummary("Change role or password");
        users.MapDelete("/{userId}", Delete).WithName("KubiliticsDeleteUser").WithSummary("Delete user (soft)");
        users.MapPost("/{userId}/unlock", Unlock).WithName("KubiliticsUnlockUser").WithSummary("Unlock a locked account");
        users.MapGet("/{userId}/cluster-permissions", ListPermissions).WithName("KubiliticsListClusterPermissions").WithSummary("List cluster permissions");
        users.MapPost("/{userId}/cluster-permissions", SetPermission).WithName("KubiliticsSetClusterPermission").WithSummary("Set cluster permission");
        users.MapDelete("/{userId}/cluster-permissions/{clusterId}", RemovePermission)
            .WithName("KubiliticsRemoveClusterPermission").WithSummary("Remove cluster permission");
    }

    private static async Task<IResult> List(HttpContext context, UserService users, int? limit, string? @continue, CancellationToken ct)
    {
        var page = await users.ListAsync(limit ?? 100, @continue, ct);
        if (page.ContinuationToken is { } next) context.Response.Headers[ContinueHeader] = next;
        return Results.Json(page.Items.Select(UserResponse.From));
    }

    private static async Task<IResult> Create(CreateUserRequest body, UserService users, CancellationToken ct) =>
        Results.Json(UserResponse.From(await users.CreateAsync(body.Username, body.Password, body.Role, body.Email, ct)), statusCode: 201);

    private static async Task<IResult> Get(string userId, UserService users, CancellationToken ct) =>
        Results.Json(UserResponse.From(await users.GetAsync(userId, ct)));

    private static async Task<IResult> Update(string userId, UpdateUserRequest body, UserService users, CancellationToken ct) =>
        Results.Json(UserResponse.From(await users.UpdateAsync(userId, body.Role, body.Password, ct)));

    private static async Task<IResult> Delete(string userId, UserService users, CancellationToken ct)
    {
        await users.DeleteAsync(userId, ct);
        return Results.Json(new MessageResponse("User deleted"));
    }

    private static async Task<IResult> Unlock(string userId, UserService users, CancellationToken ct)
    {
        await users.UnlockAsync(userId, ct);
        return Results.Json(new MessageResponse("User unlocked"));
    }

    private static async Task<IResult> ListPermissions(string userId, UserService users, CancellationToken ct) =>
        Results.Json((await users.ListClusterPermissionsAsync(userId, ct)).Select(p => new ClusterPermissionResponse(p.RowKey, p.Role)));

    private static async Task<IResult> SetPermission(string userId, ClusterPermissionRequest body, UserService users, CancellationToken ct) =>
        Results.Json(new ClusterPermissionResponse(body.ClusterId!, await users.SetClusterPermissionAsync(userId, body.ClusterId, body.Role, ct)));

    private static async Task<IResult> RemovePermission(string userId, string clusterId, UserService users, CancellationToken ct)
    {
        await users.RemoveClusterPermissionAsync(userId, clusterId, ct);
        return Results.Json(new MessageResponse("Cluster permission removed"));
    }
}
