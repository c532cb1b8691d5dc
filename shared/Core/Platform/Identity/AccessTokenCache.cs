using System.Collections.Concurrent;

namespace Fleet.Core.Platform.Identity;

/// <summary>What a valid access token says about its caller.</summary>
public sealed record AccessTokenClaims(string UserId, string Username, string Role, string Session, string TokenId, DateTimeOffset ValidUntil);

/// <summary>
/// Access tokens already validated in this process, until they expire. Parsing and checking the
/// HS256 signature was most of the authenticated pipeline's remaining cost, and a client sends the
/// same token for its whole lifetime. Safe because validation depends on nothing but the token, the
/// signing key (fixed for the process) and the clock, which is re-checked on every hit. Bounded:
/// past <see cref="MaxEntries"/> expired entries are swept, and if that is not enough it starts over.
/// </summary>
public sealed class AccessTokenCache(TimeProvider clock)
{
    public const int MaxEntries = 10_000;
    private readonly ConcurrentDictionary<string, AccessTokenClaims> _tokens = new(StringComparer.Ordinal);

    public AccessTokenClaims? Get(string jwt)
    {
        if (!_tokens.TryGetValue(jwt, out var claims)) return null;
        if (clock.GetUtcNow() < claims.ValidUntil) return claims;
        _tokens.TryRemove(jwt, out _);
        return null;
    }

    public void Add(string jwt, AccessTokenClaims claims)
    {
        if (_tokens.Count >= MaxEntries)
        {
            var now = clock.GetUtcNow();
            foreach (var (key, c) in _tokens)
                if (now >= c.ValidUntil) _tokens.TryRemove(key, out _);
            if (_tokens.Count >= MaxEntries) _tokens.Clear();
        }
        _tokens[jwt] = claims;
    }
}
