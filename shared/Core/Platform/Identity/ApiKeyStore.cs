using Azure;
using Azure.Data.Tables;
using Fleet.Core.Platform.Storage;

namespace Fleet.Core.Platform.Identity;

public sealed class ApiKeyEntity : ITableEntity
{
    public string PartitionKey { get; set; } = "";
    public string RowKey { get; set; } = ApiKeyStore.KeyRow;
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }
    public string Id => PartitionKey;
    public string UserId { get; set; } = "";
    public string Name { get; set; } = "";
    /// <summary>PBKDF2 hash of the whole key (ASP.NET Core Identity's format).</summary>
    public string KeyHash { get; set; } = "";
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset? ExpiresAt { get; set; }
    public DateTimeOffset? LastUsed { get; set; }
}

/// <summary>
/// Table <c>platformApiKeys</c>. The hot path is authentication, which reads one key by the id
/// embedded in the presented key, so PartitionKey is the key id (RowKey the constant <c>key</c>).
/// Listing a user's keys filters on UserId; keys per deployment are few.
/// </summary>
public sealed class ApiKeyStore(FleetStorage storage)
{
    public const string Table = "platformApiKeys";
    public const string KeyRow = "key";
    private TableStore<ApiKeyEntity> Store => storage.Table<ApiKeyEntity>(Table);

    public Task<ApiKeyEntity?> GetAsync(string id, CancellationToken ct = default) => Store.GetAsync(id, KeyRow, ct);
    public Task AddAsync(ApiKeyEntity e, CancellationToken ct = default) => Store.AddAsync(e, ct: ct);
    public Task UpdateAsync(ApiKeyEntity e, CancellationToken ct = default) => Store.UpdateAsync(e, ct);
    public Task<bool> DeleteAsync(string id, CancellationToken ct = default) => Store.DeleteAsync(id, KeyRow, ct: ct);

    public async Task<IReadOnlyList<ApiKeyEntity>> ListAsync(string userId, CancellationToken ct = default)
    {
        var list = new List<ApiKeyEntity>();
        await foreach (var k in Store.QueryAllAsync($"UserId eq '{userId.Replace("'", "''")}'", ct)) list.Add(k);
        return list.OrderBy(k => k.CreatedAt).ToList();
    }
}
