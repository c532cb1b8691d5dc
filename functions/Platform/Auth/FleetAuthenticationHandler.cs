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

        var token = await tokens.ValidateAsync(credential, Context.RequestAborted);
        if (token is null) return AuthenticateResult.Fail("Invalid or expired token");
        return Success([
            new(FleetClaims.UserId, token.UserId), new(FleetClaims.Username, token.Username), new(FleetClaims.Role, token.Role),
            new(FleetClaims.Session, token.Session), new(FleetClaims.Credential, "jwt:" + token.TokenId),
        ]);
    }

    private AuthenticateResult Success(Claim[] claims) =>
        AuthenticateResult.Success(new AuthenticationTicket(
            new ClaimsPrincipal(new ClaimsIdentity(claims, SchemeName, FleetClaims.Username, FleetClaims.Role)), SchemeName));
}
