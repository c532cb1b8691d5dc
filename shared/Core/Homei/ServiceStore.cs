using System.Text.Json;
using Azure;
using Azure.Data.Tables;
using Fleet.Core.Platform.Json;
using Fleet.Core.Platform.Storage;

namespace Fleet.Core.Homei;

/// <summary>
/// Table <c>homeiServices</c>: PartitionKey "service" (one home server's services are a small set,
/// listed together), RowKey the service name (get by name, and a duplicate name is a 409 by key).
/// The definition is one JSON column so new fields need no schema change.
/// </summary>
public sealed class ServiceStore(FleetStorage storage)
{
    public const string TableName = "homeiServices";
    private const string Partition = "service";

    private TableStore<ServiceEntity> Table => storage.Table<ServiceEntity>(TableName);

    public async Task<(ServiceDefinition Definition, ETag ETag)?> GetAsync(string name, CancellationToken ct = default)
    {
        await storage.EnsureTableAsync(TableName, ct);
        var e = await Table.GetAsync(Partition, name, ct);
        return e is null ? null : (e.ToDefinition(), e.ETag);
    }

    public async Task<List<ServiceDefinition>> ListAsync(CancellationToken ct = default)
    {
        await storage.EnsureTableAsync(TableName, ct);
        var list = new List<ServiceDefinition>();
        await foreach (var e in Table.QueryAllAsync($"PartitionKey eq '{Partition}'", ct)) list.Add(e.ToDefinition());
        return list;
    }

    public async Task AddAsync(ServiceDefinition d, CancellationToken ct = default)
    {
        await storage.EnsureTableAsync(TableName, ct);
        await Table.AddAsync(ServiceEntity.From(d), $"Service '{d.Name}' already exists", ct);
    }

    /// <summary>Replaces the definition if nobody changed it since <paramref name="etag"/> was read.</summary>
    public Task UpdateAsync(ServiceDefinition d, ETag etag, CancellationToken ct = default)
    {
        var e = ServiceEntity.From(d);
        e.ETag = etag;
        return Table.UpdateAsync(e, ct);
    }

    /// <summary>Writes the definition whatever is there (restore from a backup).</summary>
    public async Task UpsertAsync(ServiceDefinition d, CancellationToken ct = default)
    {
        await storage.EnsureTableAsync(TableName, ct);
        await Table.UpsertAsync(ServiceEntity.From(d), ct);
    }

    public Task<bool> DeleteAsync(string name, ETag? etag = null, CancellationToken ct = default) =>
        Table.DeleteAsync(Partition, name, etag, ct);

    public sealed class ServiceEntity : ITableEntity
    {
        public string PartitionKey { get; set; } = Partition;
        public string RowKey { get; set; } = "";
        public DateTimeOffset? Timestamp { get; set; }
        public ETag ETag { get; set; }
        public bool Enabled { get; set; }
        public string Definition { get; set; } = "{}";

        public ServiceDefinition ToDefinition() => JsonSerializer.Deserialize<ServiceDefinition>(Definition, FleetJson.Options)!;

        public static ServiceEntity From(ServiceDefinition d) => new()
        {
            RowKey = d.Name,
            Enabled = d.Enabled,
            Definition = JsonSerializer.Serialize(d, FleetJson.Options),
        };
    }
}
