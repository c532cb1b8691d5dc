using Azure;
using Azure.Data.Tables;
using Fleet.Core.Platform.Storage;

namespace Fleet.Core.Platform.Identity;

/// <summary>A refresh token, or (RowKey <c>chain</c>) the head of its rotation chain.</summary>
public sealed class RefreshTokenEntity : ITableEntity
{
    public string PartitionKey { get; set; } = "";
    public string RowKey { get; set; } = "";
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }
    public string UserId { get; set; } = "";
    /// <summary>SHA-256 of the secret part: the token has 256 random bits, so a slow hash adds nothing.</summary>
    public string SecretHash { get; set; } = "";
    public DateTimeOffset ExpiresAt { get; set; }
    public bool Used { get; set; }
    public bool Revoked { get; set; }
}

/// <summary>
/// Table <c>platformRefreshTokens</c>. A login starts a chain; each refresh adds a token to it and
/// marks the previous one used; a used token presented again revokes the chain. PartitionKey is
/// the chain id (so revoking reads one partition), RowKey the token id, plus a <c>chain</c> row
/// whose Revoked flag is checked on every refresh.
/// </summary>
public sealed class RefreshTokenStore(FleetStorage storage)
{
    public const string Table = "platformRefreshTokens";
    public const string ChainRow = "chain";
    private TableStore<RefreshTokenEntity> Store => storage.Table<RefreshTokenEntity>(Table);

    public Task<RefreshTokenEntity?> GetAsync(string chainId, string tokenId, CancellationToken ct = default) =>
        Store.GetAsync(chainId, tokenId, ct);

    public Task AddAsync(RefreshTokenEntity e, CancellationToken ct = default) => Store.AddAsync(e, ct: ct);

    /// <summary>ETag-guarded, so two refreshes racing with one token cannot both succeed.</summary>
    public Task UpdateAsync(RefreshTokenEntity e, CancellationToken ct = default) => Store.UpdateAsync(e, ct);

    public async Task RevokeChainAsync(string chainId, CancellationToken ct = default)
    {
        await foreach (var t in Store.QueryAllAsync($"PartitionKey eq '{chainId.Replace("'", "''")}'", ct))
        {
            if (t.Revoked) continue;
            t.Revoked = true;
            await Store.UpsertAsync(t, ct);
        }
    }
}
