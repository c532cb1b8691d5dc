using Fleet.Core.Platform.Errors;
using Fleet.Core.Platform.Storage;
using Microsoft.AspNetCore.Identity;

namespace Fleet.Core.Platform.Identity;

/// <summary>User management: create, read, change role or password, soft delete, unlock, cluster permissions.</summary>
public sealed class UserService(UserStore users, ClusterPermissionStore permissions, IPasswordHasher<UserEntity> hasher,
    TokenService tokens, ApiKeyService apiKeys, TimeProvider clock)
{
    public async Task<UserEntity> CreateAsync(string? username, string? password, string? role, string? email, CancellationToken ct = default)
    {
        if (string.IsNullOrWhiteSpace(username)) throw FleetException.Validation("username", "Field 'username' is required");
        if (username.Length > 64 || username.Any(c => char.IsWhiteSpace(c) || c is '/' or '\\' or '#' or '?' or '\'' or '@'))
            throw FleetException.Validation("username", "Field 'username' must be at most 64 characters without spaces, '@' or / \\ # ? '");
        if (email is { Length: > 0 } && (!email.Contains('@') || email.Any(c => char.IsWhiteSpace(c) || c is '/' or '\\' or '#' or '?' or '\'')))
            throw FleetException.Validation("email", "Field 'email' must be an email address");
        PasswordPolicy.Check(password);
        var user = new UserEntity
        {
            RowKey = Guid.NewGuid().ToString(),
            Username = username.Trim(),
            Email = string.IsNullOrWhiteSpace(email) ? null : email.Trim(),
            Role = role is null ? UserRoles.Viewer : UserRoles.Parse(role),
            CreatedAt = clock.GetUtcNow(),
        };
        user.PasswordHash = hasher.HashPassword(user, password!);
        return await users.AddAsync(user, ct);
    }

    public async Task<UserEntity> GetAsync(string id, CancellationToken ct = default) =>
        await users.GetAsync(id, ct) ?? throw FleetException.NotFound("User not found");

    public Task<TablePage<UserEntity>> ListAsync(int limit, string? continuation, CancellationToken ct = default) =>
        users.ListAsync(Math.Clamp(limit, 1, 500), continuation, ct);

    public async Task<UserEntity> UpdateAsync(string id, string? role, string? password, CancellationToken ct = default)
    {
        if (role is null && password is null) throw FleetException.Validation("role", "Give 'role' or 'password' to change");
        var user = await GetAsync(id, ct);
        if (role is not null) user.Role = UserRoles.Parse(role);
        if (password is not null)
        {
            PasswordPolicy.Check(password);
            user.PasswordHash = hasher.HashPassword(user, password);
        }
        user.UpdatedAt = clock.GetUtcNow();
        var updated = await users.UpdateAsync(user, ct);
        await apiKeys.ForgetUserAsync(id, ct);
        return updated;
    }

    /// <summary>
    /// Gives a user a new password, the admin role and no lockout in one write (the recovery of a lost admin password). A
    /// concurrent change of the row, such as a failed login counted meanwhile, is read again and the reset applied on top.
    /// </summary>
    public async Task ResetToAdminAsync(string id, string password, CancellationToken ct = default)
    {
        PasswordPolicy.Check(password);
        for (var attempt = 0; ; attempt++)
        {
            var user = await GetAsync(id, ct);
            user.Role = UserRoles.Admin;
            user.PasswordHash = hasher.HashPassword(user, password);
            user.LockedUntil = null;
            user.FailedLogins = 0;
            user.UpdatedAt = clock.GetUtcNow();
            try
            {
                await users.UpdateAsync(user, ct);
                break;
            }
            catch (FleetException e) when (e.Kind == FleetErrorKind.Conflict && attempt < 10) { }
        }
        await apiKeys.ForgetUserAsync(id, ct);
    }

    public async Task ChangePasswordAsync(string id, string? current, string? next, CancellationToken ct = default)
    {
        if (string.IsNullOrEmpty(current)) throw FleetException.Validation("current_password", "Field 'current_password' is required");
        PasswordPolicy.Check(next, "new_password");
        var user = await GetAsync(id, ct);
        if (hasher.VerifyHashedPassword(user, user.PasswordHash, current) == PasswordVerificationResult.Failed)
            throw new FleetException(FleetErrorKind.Unauthenticated, "Current password is incorrect");
        user.PasswordHash = hasher.HashPassword(user, next!);
        user.UpdatedAt = clock.GetUtcNow();
        await users.UpdateAsync(user, ct);
    }

    public async Task DeleteAsync(string id, CancellationToken ct = default)
    {
        await users.DeleteAsync(await GetAsync(id, ct), ct);
        await apiKeys.ForgetUserAsync(id, ct);
    }

    public async Task UnlockAsync(string id, CancellationToken ct = default)
    {
        var user = await GetAsync(id, ct);
        user.LockedUntil = null;
        user.FailedLogins = 0;
        await users.UpdateAsync(user, ct);
    }

    public async Task<IReadOnlyList<ClusterPermissionEntity>> ListClusterPermissionsAsync(string id, CancellationToken ct = default)
    {
        await GetAsync(id, ct);
        return await permissions.ListAsync(id, ct);
    }

    public async Task<string> SetClusterPermissionAsync(string id, string? clusterId, string? role, CancellationToken ct = default)
    {
        if (string.IsNullOrWhiteSpace(clusterId) || !ClusterPermissionStore.IsSafe(clusterId))
            throw FleetException.Validation("cluster_id", "Field 'cluster_id' is required");
        var parsed = UserRoles.Parse(role);
        await GetAsync(id, ct);
        await permissions.SetAsync(id, clusterId, parsed, ct);
        return parsed;
    }

    public async Task RemoveClusterPermissionAsync(string id, string clusterId, CancellationToken ct = default)
    {
        await GetAsync(id, ct);
        if (!ClusterPermissionStore.IsSafe(clusterId) || !await permissions.RemoveAsync(id, clusterId, ct))
            throw FleetException.NotFound("Cluster permission not found");
    }

    /// <summary>Starts a session for a user that another route already authenticated (SNAP's login).</summary>
    public Task<TokenPair> StartSessionAsync(UserEntity user, CancellationToken ct = default) => tokens.StartSessionAsync(user, ct);
}
