using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using Fleet.Core.Platform.Errors;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Fleet.Core.Platform.Identity;

/// <summary>What a login or refresh hands back; the refresh token is shown this once.</summary>
public sealed record TokenPair(string AccessToken, string RefreshToken, int ExpiresIn, UserEntity User);

/// <summary>The claim names in Fleet's access tokens.</summary>
public static class FleetClaims
{
    public const string UserId = "sub";
    public const string Username = "name";
    public const string Role = "role";
    public const string Session = "sid";
    /// <summary>Which credential authenticated the request (token id or API key id); rate limits count per credential.</summary>
    public const string Credential = "cred";
}

/// <summary>
/// Access tokens (JWT, HS256 only, <see cref="AuthSettings.AccessTokenLifetime"/>) and refresh-token
/// chains with rotation and reuse detection.
/// </summary>
public sealed class TokenService(SigningKeyProvider keys, RefreshTokenStore refreshTokens, AuthSettings settings, TimeProvider clock,
    AccessTokenCache validated)
{
    private static readonly TimeSpan ClockSkew = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan RefreshLifetime = TimeSpan.FromDays(30);
    private readonly JsonWebTokenHandler _handler = new() { MapInboundClaims = false };

    /// <summary>A new session: a new refresh chain and its first tokens.</summary>
    public async Task<TokenPair> StartSessionAsync(UserEntity user, CancellationToken ct = default)
    {
        var chainId = Guid.NewGuid().ToString("N");
        await refreshTokens.AddAsync(new RefreshTokenEntity
        {
            PartitionKey = chainId, RowKey = RefreshTokenStore.ChainRow, UserId = user.Id,
            ExpiresAt = clock.GetUtcNow() + RefreshLifetime,
        }, ct);
        return await IssueAsync(user, chainId, ct);
    }

    /// <summary>
    /// Rotates a refresh token. A token already rotated is a sign it was stolen: the whole chain is
    /// revoked, so neither the thief nor the owner can continue without logging in again.
    /// </summary>
    public async Task<(string ChainId, string UserId)> RedeemAsync(string refreshToken, CancellationToken ct = default)
    {
        var invalid = new FleetException(FleetErrorKind.Unauthenticated, "Invalid or expired refresh token");
        var parts = refreshToken.Split('.');
        if (parts.Length != 3 || parts[0].Length != 32 || parts[1].Length != 32) throw invalid;
        var (chainId, tokenId, secret) = (parts[0], parts[1], parts[2]);
        if (!Guid.TryParseExact(chainId, "N", out _) || !Guid.TryParseExact(tokenId, "N", out _)) throw invalid;

        var chain = await refreshTokens.GetAsync(chainId, RefreshTokenStore.ChainRow, ct);
        var token = await refreshTokens.GetAsync(chainId, tokenId, ct);
        if (chain is null || token is null || !FixedEquals(token.SecretHash, Hash(secret))) throw invalid;
        if (chain.Revoked || token.Revoked || token.ExpiresAt <= clock.GetUtcNow()) throw invalid;
        if (token.Used)
        {
            await refreshTokens.RevokeChainAsync(chainId, ct);
            throw invalid;
        }
        token.Used = true;
        try
        {
            await refreshTokens.UpdateAsync(token, ct);
        }
        catch (FleetException e) when (e.Kind == FleetErrorKind.Conflict)
        {
            // A concurrent refresh with the same token won: that is a reuse too.
            await refreshTokens.RevokeChainAsync(chainId, ct);
            throw invalid;
        }
        return (chainId, token.UserId);
    }

    /// <summary>Access and refresh tokens for a session that already exists.</summary>
    public async Task<TokenPair> IssueAsync(UserEntity user, string chainId, CancellationToken ct = default)
    {
        var tokenId = Guid.NewGuid().ToString("N");
        var secret = Base64Url(RandomNumberGenerator.GetBytes(32));
        await refreshTokens.AddAsync(new RefreshTokenEntity
        {
            PartitionKey = chainId, RowKey = tokenId, UserId = user.Id, SecretHash = Hash(secret),
            ExpiresAt = clock.GetUtcNow() + RefreshLifetime,
        }, ct);
        var access = await CreateAccessTokenAsync(user, chainId, ct);
        return new TokenPair(access, $"{chainId}.{tokenId}.{secret}", (int)settings.AccessTokenLifetime.TotalSeconds, user);
    }

    public Task RevokeSessionAsync(string chainId, CancellationToken ct = default) => refreshTokens.RevokeChainAsync(chainId, ct);

    public async Task<string> CreateAccessTokenAsync(UserEntity user, string chainId, CancellationToken ct = default)
    {
        var key = await keys.GetAsync(ct);
        var now = clock.GetUtcNow().UtcDateTime;
        return _handler.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = settings.Issuer,
            Audience = settings.Audience,
            IssuedAt = now,
            NotBefore = now,
            Expires = now + settings.AccessTokenLifetime,
            SigningCredentials = new SigningCredentials(key, SecurityAlgorithms.HmacSha256),
            Claims = new Dictionary<string, object>
            {
                [FleetClaims.UserId] = user.Id,
                [FleetClaims.Username] = user.Username,
                [FleetClaims.Role] = user.Role,
                [FleetClaims.Session] = chainId,
                ["jti"] = Guid.NewGuid().ToString("N"),
            },
        });
    }

    /// <summary>
    /// The caller in a valid access token, or null: only HS256 with our key, issuer, audience and
    /// lifetime. A token seen before is answered from <see cref="AccessTokenCache"/> until it expires.
    /// </summary>
    public async Task<AccessTokenClaims?> ValidateAsync(string jwt, CancellationToken ct = default)
    {
        if (validated.Get(jwt) is { } known) return known;
        var key = await keys.GetAsync(ct);
        var result = await _handler.ValidateTokenAsync(jwt, new TokenValidationParameters
        {
            ValidIssuer = settings.Issuer,
            ValidAudience = settings.Audience,
            IssuerSigningKey = key,
            ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
            RequireSignedTokens = true,
            RequireExpirationTime = true,
            ValidateLifetime = true,
            ClockSkew = ClockSkew,
            NameClaimType = FleetClaims.Username,
            RoleClaimType = FleetClaims.Role,
        });
        if (!result.IsValid || result.SecurityToken is not JsonWebToken token) return null;
        var identity = result.ClaimsIdentity;
        string Claim(string type) => identity.FindFirst(type)?.Value ?? "";
        // The validator accepts a token until its expiry plus the skew; the cache keeps exactly that bound.
        var claims = new AccessTokenClaims(Claim(FleetClaims.UserId), Claim(FleetClaims.Username), Claim(FleetClaims.Role),
            Claim(FleetClaims.Session), Claim("jti"), new DateTimeOffset(token.ValidTo, TimeSpan.Zero) + ClockSkew);
        validated.Add(jwt, claims);
        return claims;
    }

    private static string Hash(string secret) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(secret)));

    private static bool FixedEquals(string a, string b) =>
        CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(a), Encoding.ASCII.GetBytes(b));

    public static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
