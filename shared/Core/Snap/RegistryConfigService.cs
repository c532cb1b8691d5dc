using Fleet.Core.Platform.Errors;
using Fleet.Core.Platform.Storage;
using Microsoft.AspNetCore.DataProtection;

namespace Fleet.Core.Snap;

public sealed record RegistryConfigRequest(string? Name, string? Url, string? Username, string? Password, bool? VerifySsl);

/// <summary>SNAP's registry configs in Table storage; passwords are protected with ASP.NET Core Data Protection and never returned.</summary>
public sealed class RegistryConfigService(FleetStorage storage, IDataProtectionProvider protection)
{
    public const string Table = "snapRegistries";
    private readonly IDataProtector _protector = protection.CreateProtector("Fleet.Snap.Registry.Password.v1");
    private TableStore<RegistryConfigEntity> Rows => storage.Table<RegistryConfigEntity>(Table);

    public async Task<RegistryConfigEntity> CreateAsync(RegistryConfigRequest body, CancellationToken ct)
    {
        var name = TableKeys.Require(body.Name, "name", 128);
        var url = RequireUrl(body.Url);
        if (string.IsNullOrWhiteSpace(body.Username) || body.Username.Length > 256)
            throw FleetException.Validation("username", "username is required (at most 256 characters)");
        if (string.IsNullOrEmpty(body.Password) || body.Password.Length > 1024)
            throw FleetException.Validation("password", "password is required (at most 1024 characters)");
        var now = DateTimeOffset.UtcNow;
        var entity = new RegistryConfigEntity
        {
            RowKey = name, Url = url, Username = body.Username, ProtectedPassword = _protector.Protect(body.Password),
            VerifySsl = body.VerifySsl ?? true, CreatedAt = now, UpdatedAt = now,
        };
        await storage.EnsureTableAsync(Table, ct);
        return await Rows.AddAsync(entity, $"registry config '{name}' already exists", ct);
    }

    public async Task<IReadOnlyList<RegistryConfigEntity>> ListAsync(CancellationToken ct)
    {
        await storage.EnsureTableAsync(Table, ct);
        var list = new List<RegistryConfigEntity>();
        await foreach (var e in Rows.QueryAllAsync($"PartitionKey eq '{RegistryConfigEntity.Partition}'", ct)) list.Add(e);
        return list.OrderBy(e => e.RowKey, StringComparer.Ordinal).ToList();
    }

    public async Task<RegistryConfigEntity> GetAsync(string? name, CancellationToken ct, string field = "name")
    {
        var key = TableKeys.Require(name, field, 128);
        await storage.EnsureTableAsync(Table, ct);
        return await Rows.GetAsync(RegistryConfigEntity.Partition, key, ct)
               ?? throw FleetException.NotFound($"registry config '{key}' not found");
    }

    /// <summary>Changes the fields given; an omitted password keeps the stored one.</summary>
    public async Task<RegistryConfigEntity> UpdateAsync(RegistryConfigRequest body, CancellationToken ct)
    {
        if (body.Url is not null) RequireUrl(body.Url);
        if (body.Username is { } u && (u.Length == 0 || u.Length > 256))
            throw FleetException.Validation("username", "username must be 1 to 256 characters");
        if (body.Password is { } p && (p.Length == 0 || p.Length > 1024))
            throw FleetException.Validation("password", "password must be 1 to 1024 characters");
        var entity = await GetAsync(body.Name, ct);
        if (body.Url is not null) entity.Url = RequireUrl(body.Url);
        if (body.Username is not null) entity.Username = body.Username;
        if (body.Password is not null) entity.ProtectedPassword = _protector.Protect(body.Password);
        if (body.VerifySsl is { } v) entity.VerifySsl = v;
        entity.UpdatedAt = DateTimeOffset.UtcNow;
        return await Rows.UpdateAsync(entity, ct);
    }

    public async Task DeleteAsync(string? name, CancellationToken ct)
    {
        var entity = await GetAsync(name, ct);
        await Rows.DeleteAsync(entity.PartitionKey, entity.RowKey, ct: ct);
    }

    /// <summary>The config's endpoint with its password, for a push or a login; stays in memory.</summary>
    public async Task<RegistryTarget> TargetAsync(string? name, CancellationToken ct, string field = "registry_config_name")
    {
        var e = await GetAsync(name, ct, field);
        return new RegistryTarget(RegistryTarget.ParseUrl(e.Url)!, e.Username, _protector.Unprotect(e.ProtectedPassword), e.VerifySsl);
    }

    private static string RequireUrl(string? url) =>
        RegistryTarget.ParseUrl(url)?.ToString().TrimEnd('/')
        ?? throw FleetException.Validation("url", "url must be a registry address: https://host[:port], http://host:port or host[:port]");
}
