using System.Security.Cryptography;
using System.Text;
using Azure;
using Azure.Data.Tables;
using Fleet.Core.Platform.Storage;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.IdentityModel.Tokens;

namespace Fleet.Core.Platform.Identity;

public sealed class SigningKeyEntity : ITableEntity
{
    public string PartitionKey { get; set; } = "jwt";
    public string RowKey { get; set; } = "current";
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }
    /// <summary>The key, encrypted with Data Protection (whose key ring is in Blob storage).</summary>
    public string Protected { get; set; } = "";
}

/// <summary>
/// The HS256 key for access tokens: <c>Auth__SigningKey</c> when set; otherwise generated once,
/// encrypted, and kept in table <c>platformSigningKeys</c> (PartitionKey <c>jwt</c>, RowKey
/// <c>current</c>: one row, read once per process) so that every host signs with the same key.
/// </summary>
public sealed class SigningKeyProvider(FleetStorage storage, AuthSettings settings, IDataProtectionProvider dataProtection)
{
    public const string Table = "platformSigningKeys";
    private readonly SemaphoreSlim _gate = new(1, 1);
    private SymmetricSecurityKey? _key;
    private IDataProtector Protector => dataProtection.CreateProtector("Fleet.Identity.JwtSigningKey");

    public async Task<SymmetricSecurityKey> GetAsync(CancellationToken ct = default)
    {
        if (_key is { } k) return k;
        await _gate.WaitAsync(ct);
        try
        {
            return _key ??= new SymmetricSecurityKey(await LoadAsync(ct));
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task<byte[]> LoadAsync(CancellationToken ct)
    {
        if (settings.SigningKey is { } configured)
        {
            var bytes = Encoding.UTF8.GetBytes(configured);
            // HS256 needs at least 256 bits; a shorter secret is stretched rather than rejected at start.
            return bytes.Length >= 32 ? bytes : SHA256.HashData(bytes);
        }
        var store = storage.Table<SigningKeyEntity>(Table);
        var existing = await store.GetAsync("jwt", "current", ct);
        if (existing is not null) return Protector.Unprotect(Convert.FromBase64String(existing.Protected));
        var fresh = RandomNumberGenerator.GetBytes(64);
        try
        {
            await store.AddAsync(new SigningKeyEntity { Protected = Convert.ToBase64String(Protector.Protect(fresh)) }, ct: ct);
            return fresh;
        }
        catch (Errors.FleetException)
        {
            // Another host stored its key first: use that one.
            var winner = await store.GetAsync("jwt", "current", ct);
            return Protector.Unprotect(Convert.FromBase64String(winner!.Protected));
        }
    }
}
