using System.Security.Claims;
using System.Text.Encodings.Web;
using Fleet.Core.Platform.Identity;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace Fleet.Functions.Platform.Auth;

/// <summary>
/// Reads the one credential a request may carry: <c>X-API-Key: key</c>, or <c>Authorization:
/// Bearer</c> with an access token (JWT) or an API key. No credential is "no result"; a bad one
/// is a failure, which authorization turns into 401 even on routes that allow anonymous callers.
/// </summary>
public sealed class FleetAuthenticationHandler(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger,
    UrlEncoder encoder, TokenService tokens, ApiKeyService apiKeys)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "Fleet";
    public const string ApiKeyHeader = "X-API-Key";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var apiKey = Request.Headers[ApiKeyHeader].ToString();
        var authorization = Request.Headers.Authorization.ToString();
        string? bearer = authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? authorization[7..].Trim() : null;
        if (apiKey.Length == 0 && bearer is null)
            return authorization.Length == 0 ? AuthenticateResult.NoResult() : AuthenticateResult.Fail("Unsupported authorization scheme");

        var credential = apiKey.Length > 0 ? apiKey : bearer!;
        if (apiKey.Length > 0 || ApiKeyService.LooksLikeKey(credential))
        {
            var found = await apiKeys.AuthenticateAsync(credential, Context.RequestAborted);
            if (found is not { } k) return AuthenticateResult.Fail("Invalid API key");
            return Success([
                new(FleetClaims.UserId, k.User.Id), new(FleetClaims.Username, k.User.Username),
                new(FleetClaims.Role, k.User.Role), new(FleetClaims.Credential, "key:" + k.Key.Id),
            ]);
        }

        var identity = await tokens.ValidateAsync(credential, Context.RequestAborted);
        if (identity is null) return AuthenticateResult.Fail("Invalid or expired token");
        var jti = identity.FindFirst("jti")?.Value ?? "";
        return Success([
            new(FleetClaims.UserId, identity.FindFirst(FleetClaims.UserId)?.Value ?? ""),
            new(FleetClaims.Username, identity.FindFirst(FleetClaims.Username)?.Value ?? ""),
            new(FleetClaims.Role, identity.FindFirst(FleetClaims.Role)?.Value ?? ""),
            new(FleetClaims.Session, identity.FindFirst(FleetClaims.Session)?.Value ?? ""),
            new(FleetClaims.Credential, "jwt:" + jti),
        ]);
    }

    private AuthenticateResult Success(Claim[] claims) =>
        AuthenticateResult.Success(new AuthenticationTicket(
            new ClaimsPrincipal(new ClaimsIdentity(claims, SchemeName, FleetClaims.Username, FleetClaims.Role)), SchemeName));
}
