using Fleet.Functions.Platform.Contract;
using Fleet.Core.Platform.Identity;
using Fleet.Functions.Platform.Auth;

namespace Fleet.Functions.Snap;

/// <summary>SNAP <c>/config/user/create</c> and <c>/config/user/login</c>; SNAP calls the admin role <c>administrator</c>.</summary>
public static class SnapUserFunctions
{
    public sealed record SnapCreateUserRequest(string? Username = null, string? Password = null, string? Email = null, string? Role = null);
    public sealed record SnapLoginRequest([property: AnyText] string? Username = null, [property: AnyText] string? Password = null);
    public sealed record SnapUser(string Username, string Role, string? Email = null);
    public sealed record SnapUserResponse(bool Success, SnapUser User);
    public sealed record SnapLoginResponse(bool Success, string Token, SnapUser User);

    public static void MapSnapUsers(this RouteGroupBuilder group)
    {
        group.MapPost("/config/user/create", Create).RequireRole(FleetRole.Admin).WithName("SnapCreateUser").WithSummary("Create user").Produces<SnapUserResponse>(StatusCodes.Status201Created);
        group.MapPost("/config/user/login", Login).Anonymous().WithMetadata(new SelfAudited()).WithName("SnapLogin").WithSummary("Login user").Produces<SnapLoginResponse>();
    }

    public static string SnapRole(string role) => role == UserRoles.Admin ? "administrator" : role;

    private static async Task<IResult> Create(SnapCreateUserRequest body, UserService users, CancellationToken ct)
    {
        var u = await users.CreateAsync(body.Username, body.Password, body.Role, body.Email, ct);
        return Results.Json(new SnapUserResponse(true, new SnapUser(u.Username, SnapRole(u.Role), u.Email)), statusCode: 201);
    }

    private static async Task<IResult> Login(SnapLoginRequest body, HttpContext context, LoginService logins, CancellationToken ct)
    {
        var pair = await logins.LoginAsync(body.Username, body.Password, context.ClientIp(), ct);
        return Results.Json(new SnapLoginResponse(true, pair.AccessToken, new SnapUser(pair.User.Username, SnapRole(pair.User.Role), pair.User.Email)));
    }
}
