using Fleet.Core.Platform.Errors;
using Fleet.Core.Platform.Storage;

namespace Fleet.Core.Platform.Identity;

/// <summary>
/// Table <c>platformUsers</c>. Users are few and read by id on every admin call, by username or
/// email on every login, so: PartitionKey <c>user</c>, RowKey the user id; plus index rows in the
/// same table, PartitionKey <c>username</c> / <c>email</c> and RowKey the lower-cased name, whose
/// insert-if-absent is what makes names unique without a scan.
/// </summary>
public sealed class UserStore(FleetStorage storage)
{
    public const string Table = "platformUsers";
    public const string UserPartition = "user";
    private const string UsernameIndex = "username";
    private const string EmailIndex = "email";

    private TableStore<UserEntity> Users => storage.Table<UserEntity>(Table);
    private TableStore<UserIndexEntity> Index => storage.Table<UserIndexEntity>(Table);

    public async Task<UserEntity?> GetAsync(string id, CancellationToken ct = default)
    {
        if (!IsSafeKey(id)) return null;
        var u = await Users.GetAsync(UserPartition, id, ct);
        return u is { Deleted: false } ? u : null;
    }

    /// <summary>Finds a live user by username, or by email when the name contains '@'.</summary>
    public async Task<UserEntity?> FindAsync(string login, CancellationToken ct = default)
    {
        var key = Normalize(login);
        if (!IsSafeKey(key)) return null;
        var idx = await Index.GetAsync(login.Contains('@') ? EmailIndex : UsernameIndex, key, ct)
                  ?? (login.Contains('@') ? await Index.GetAsync(UsernameIndex, key, ct) : null);
        return idx is null ? null : await GetAsync(idx.UserId, ct);
    }

    public async Task<bool> AnyAsync(CancellationToken ct = default)
    {
        var page = await Users.QueryPageAsync($"PartitionKey eq '{UserPartition}'", 1, null, ct);
        return page.Items.Count > 0;
    }

    /// <summary>Claims the username (and email) first, so two concurrent creates cannot both win.</summary>
    public async Task<UserEntity> AddAsync(UserEntity user, CancellationToken ct = default)
    {
        await Index.AddAsync(new UserIndexEntity { PartitionKey = UsernameIndex, RowKey = Normalize(user.Username), UserId = user.Id },
            $"User '{user.Username}' already exists", ct);
        if (user.Email is { Length: > 0 } email)
        {
            try
            {
                await Index.AddAsync(new UserIndexEntity { PartitionKey = EmailIndex, RowKey = Normalize(email), UserId = user.Id },
                    $"Email '{email}' is already in use", ct);
            }
            catch (FleetException)
            {
                await Index.DeleteAsync(UsernameIndex, Normalize(user.Username), ct: ct);
                throw;
            }
        }
        return await Users.AddAsync(user, $"User '{user.Username}' already exists", ct);
    }

    public Task<UserEntity> UpdateAsync(UserEntity user, CancellationToken ct = default) => Users.UpdateAsync(user, ct);

    /// <summary>Soft-deletes the user and frees its name and email for reuse.</summary>
    public async Task DeleteAsync(UserEntity user, CancellationToken ct = default)
    {
        user.DeletedAt = DateTimeOffset.UtcNow;
        user.Deleted = true;
        await Users.UpdateAsync(user, ct);
        await Index.DeleteAsync(UsernameIndex, Normalize(user.Username), ct: ct);
        if (user.Email is { Length: > 0 } email) await Index.DeleteAsync(EmailIndex, Normalize(email), ct: ct);
    }

    /// <summary>One page of live users, in id order.</summary>
    public async Task<TablePage<UserEntity>> ListAsync(int limit, string? continuation, CancellationToken ct = default)
    {
        var page = await Users.QueryPageAsync($"PartitionKey eq '{UserPartition}' and Deleted eq false", limit, continuation, ct);
        return page;
    }

    public static string Normalize(string name) => name.Trim().ToLowerInvariant();

    /// <summary>Table keys may not hold these characters; such a name can never exist.</summary>
    private static bool IsSafeKey(string key) =>
        key.Length is > 0 and <= 256 && key.IndexOfAny(['/', '\\', '#', '?', '\'', '\t', '\n', '\r']) < 0;
}
