using Fleet.Functions.Platform.Contract;
using Fleet.Core.Platform.Identity;
using Fleet.Functions.Platform.Auth;

namespace Fleet.Functions.Pioneer;

/// <summary>CloudPioneer <c>POST /auth/login</c> with <c>email</c>; its token_type is lower-case.</summary>
public static class PioneerAuthFunctions
{
    public sealed record PioneerLoginRequest([property: AnyText] string? Email = null, [property: AnyText] string? Username = null, [property: AnyText] string? Password = null);

    public static void MapPioneerAuth(this RouteGroupBuilder group) =>
        group.MapPost("/auth/login", Login).Anonymous().WithMetadata(new SelfAudited()).WithName("PioneerLogin").WithSummary("Login");

    private static async Task<IResult> Login(PioneerLoginRequest body, HttpContext context, LoginService logins, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(body.Email) && string.IsNullOrWhiteSpace(body.Username))
            throw Core.Platform.Errors.FleetException.Validation("email", "Field 'email' is required");
        var pair = await logins.LoginAsync(body.Email ?? body.Username, body.Password, context.ClientIp(), ct);
        return Results.Json(TokenResponse.From(pair, "bearer"));
    }
}
