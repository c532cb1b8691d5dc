using System.Security.Cryptography;
using Azure;
using Azure.Data.Tables;
using Fleet.Core.Platform.Errors;
using Fleet.Core.Platform.Storage;
using Microsoft.AspNetCore.DataProtection;

namespace Fleet.Core.Snap;

/// <summary>Row of <c>snapCredentialRefs</c>: PK <c>ref</c>, RK = the reference id; the whole target is time-limited ciphertext.</summary>
public sealed class CredentialRefEntity : ITableEntity
{
    public string PartitionKey { get; set; } = "ref";
    public string RowKey { get; set; } = "";
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }
    public string Protected { get; set; } = "";
    public DateTimeOffset ExpiresAt { get; set; }
}

/// <summary>
/// Registry credentials a request body carried (automation): sealed with a time-limited Data Protection protector under a
/// random reference id, so that orchestration inputs, history and logs only ever hold the id. Expired or revoked → gone.
/// </summary>
public sealed class RegistryCredentialVault(FleetStorage storage, IDataProtectionProvider protection)
{
    public const string Table = "snapCredentialRefs";
    public static readonly TimeSpan Lifetime = TimeSpan.FromHours(1);
    private readonly ITimeLimitedDataProtector _protector = protection.CreateProtector("Fleet.Snap.Registry.CredentialRef.v1").ToTimeLimitedDataProtector();
    private TableStore<CredentialRefEntity> Rows => storage.Table<CredentialRefEntity>(Table);

    public async Task<RegistryRef> SealAsync(RegistryTarget target, CancellationToken ct)
    {
        var id = "cred_" + Convert.ToHexString(RandomNumberGenerator.GetBytes(16)).ToLowerInvariant();
        var payload = string.Join('\n', target.BaseUri.ToString(), target.VerifySsl ? "1" : "0", target.Username ?? "", target.Password ?? "");
        await storage.EnsureTableAsync(Table, ct);
        await Rows.AddAsync(new CredentialRefEntity
        {
            RowKey = id, Protected = _protector.Protect(payload, Lifetime), ExpiresAt = DateTimeOffset.UtcNow + Lifetime,
        }, ct: ct);
        return RegistryRef.Credential(id);
    }

    public async Task<RegistryTarget> OpenAsync(string id, CancellationToken ct)
    {
        await storage.EnsureTableAsync(Table, ct);
        var row = await Rows.GetAsync("ref", id, ct);
        string payload;
        try
        {
            payload = row is null ? throw new CryptographicException() : _protector.Unprotect(row.Protected);
        }
        catch (CryptographicException)
        {
            throw new FleetException(FleetErrorKind.Unauthenticated, "The registry credentials of this operation expired; send them again",
                code: SnapCodes.AuthenticationFailed);
        }
        var parts = payload.Split('\n', 4);
        return new RegistryTarget(new Uri(parts[0]), parts[2].Length > 0 ? parts[2] : null, parts[3].Length > 0 ? parts[3] : null, parts[1] == "1");
    }

    public async Task RevokeAsync(string id, CancellationToken ct)
    {
        await storage.EnsureTableAsync(Table, ct);
        await Rows.DeleteAsync("ref", id, ct: ct);
    }
}

/// <summary>Resolves a <see cref="RegistryRef"/> to its in-memory target.</summary>
public sealed class RegistryTargets(RegistryConfigService configs, RegistryCredentialVault vault)
{
    public Task<RegistryTarget> ResolveAsync(RegistryRef r, CancellationToken ct) => r.Kind switch
    {
        RegistryRef.ConfigKind => configs.TargetAsync(r.Id, ct),
        RegistryRef.CredentialKind => vault.OpenAsync(r.Id, ct),
        _ => throw new ArgumentException("unknown registry reference kind " + r.Kind),
    };

    /// <summary>Drops a credential reference (a config stays).</summary>
    public Task RevokeAsync(RegistryRef r, CancellationToken ct) =>
        r.Kind == RegistryRef.CredentialKind ? vault.RevokeAsync(r.Id, ct) : Task.CompletedTask;
}
