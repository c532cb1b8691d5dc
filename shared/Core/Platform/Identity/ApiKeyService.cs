using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Fleet.Core.Platform.Errors;
using Fleet.Core.Platform.Mesh;
using Microsoft.AspNetCore.Identity;

namespace Fleet.Core.Platform.Identity;

/// <summary>A new key; <see cref="Key"/> is shown once and never again.</summary>
public sealed record CreatedApiKey(ApiKeyEntity Entity, string Key);

/// <summary>
/// API keys: <c>fleet_{id}_{secret}</c>, stored as a PBKDF2 hash. The id lets authentication read
/// one row; a verified key is remembered by its SHA-256 so that later requests skip PBKDF2. The key
/// row and its owner are remembered for <see cref="CacheLifetime"/> rather than read on every
/// request. A key deleted, or a user deleted or given another role, is forgotten by every host of the
/// fleet at once through <see cref="CacheInvalidation"/>; the lifetime only bounds staleness on a host
/// that was cut off from the broker when the change was announced.
/// </summary>
public sealed class ApiKeyService(ApiKeyStore keys, UserStore users, IPasswordHasher<UserEntity> hasher, TimeProvider clock,
    CacheInvalidation invalidation)
{
    public const string Prefix = "fleet_";

    /// <summary>Keys made on the Kubilitics routes start as the seed shows them.</summary>
    public const string KubiliticsPrefix = "kubilitics_";

    private static readonly string[] Prefixes = [Prefix, KubiliticsPrefix];
    public static readonly TimeSpan CacheLifetime = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan LastUsedResolution = TimeSpan.FromMinutes(1);
    private sealed record Verified(string Fingerprint, ApiKeyEntity Key, UserEntity User, DateTimeOffset LoadedAt);
    private readonly ConcurrentDictionary<string, Verified> _verified = Wired(invalidation);

    /// <summary>The cache, with the handlers that empty it when any host announces a change.</summary>
    private static ConcurrentDictionary<string, Verified> Wired(CacheInvalidation invalidation)
    {
        var verified = new ConcurrentDictionary<string, Verified>();
        invalidation.On(CacheScopes.ApiKey, id => { verified.TryRemove(id, out _); });
        invalidation.On(CacheScopes.User, userId =>
        {
            foreach (var (id, v) in verified)
                if (v.User.Id == userId) verified.TryRemove(id, out _);
        });
        return verified;
    }

    public async Task<CreatedApiKey> CreateAsync(string userId, string? name, DateTimeOffset? expiresAt, CancellationToken ct = default,
        string prefix = Prefix)
    {
        if (!Prefixes.Contains(prefix)) throw new ArgumentException($"unknown API key prefix '{prefix}'", nameof(prefix));
        if (string.IsNullOrWhiteSpace(name)) throw FleetException.Validation("name", "Field 'name' is required");
        if (expiresAt is { } e && e <= clock.GetUtcNow()) throw FleetException.Validation("expires_at", "Field 'expires_at' must be in the future");
        var id = Guid.NewGuid().ToString("N");
        var key = $"{prefix}{id}_{TokenService.Base64Url(RandomNumberGenerator.GetBytes(32))}";
        var entity = new ApiKeyEntity
        {
            PartitionKey = id, UserId = userId, Name = name.Trim(), CreatedAt = clock.GetUtcNow(), ExpiresAt = expiresAt,
            KeyHash = hasher.HashPassword(new UserEntity(), key),
        };
        await keys.AddAsync(entity, ct);
        return new CreatedApiKey(entity, key);
    }

    public Task<IReadOnlyList<ApiKeyEntity>> ListAsync(string userId, CancellationToken ct = default) => keys.ListAsync(userId, ct);

    /// <summary>Deletes one of the user's own keys; another user's key is "not found" to them.</summary>
    public async Task DeleteAsync(string userId, string keyId, CancellationToken ct = default)
    {
        var k = Guid.TryParseExact(keyId, "N", out _) ? await keys.GetAsync(keyId, ct) : null;
        if (k is null || k.UserId != userId) throw FleetException.NotFound("API key not found");
        await keys.DeleteAsync(keyId, ct);
        await invalidation.RaiseAsync(CacheScopes.ApiKey, keyId, ct);
    }

    public static bool LooksLikeKey(string value) => PrefixOf(value) is not null;

    private static string? PrefixOf(string value) =>
        Prefixes.FirstOrDefault(p => value.StartsWith(p, StringComparison.Ordinal) && value.Length == p.Length + 32 + 1 + 43);

    /// <summary>Makes every host forget the cached owner of this user's keys, after the user changed role or was deleted.</summary>
    public Task ForgetUserAsync(string userId, CancellationToken ct = default) => invalidation.RaiseAsync(CacheScopes.User, userId, ct);

    /// <summary>The key's owner and the key, or null when the key is unknown, expired or its user is gone.</summary>
    public async Task<(UserEntity User, ApiKeyEntity Key)?> AuthenticateAsync(string presented, CancellationToken ct = default)
    {
        if (PrefixOf(presented) is not { } prefix) return null;
        var id = presented.Substring(prefix.Length, 32);
        if (!Guid.TryParseExact(id, "N", out _)) return null;
        var now = clock.GetUtcNow();
        var fingerprint = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(presented)));
        var cached = _verified.TryGetValue(id, out var c) && FixedEquals(c.Fingerprint, fingerprint) ? c : null;
        if (cached is not null && now - cached.LoadedAt < CacheLifetime)
            return cached.Key.ExpiresAt is { } e && e <= now ? null : (cached.User, cached.Key);

        var entity = await keys.GetAsync(id, ct);
        if (entity is null || entity.ExpiresAt is { } exp && exp <= now)
        {
            _verified.TryRemove(id, out _);
            return null;
        }
        if (cached?.Key.KeyHash != entity.KeyHash &&
            hasher.VerifyHashedPassword(new UserEntity(), entity.KeyHash, presented) == PasswordVerificationResult.Failed)
            return null;

        var user = await users.GetAsync(entity.UserId, ct);
        if (user is null)
        {
            _verified.TryRemove(id, out _);
            return null;
        }
        if (entity.LastUsed is null || now - entity.LastUsed > LastUsedResolution)
        {
            entity.LastUsed = now;
            try { await keys.UpdateAsync(entity, ct); }
            catch (FleetException) { /* a concurrent request recorded the use */ }
        }
        _verified[id] = new Verified(fingerprint, entity, user, now);
        return (user, entity);
    }

    private static bool FixedEquals(string a, string b) =>
        CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(a), Encoding.ASCII.GetBytes(b));
}
