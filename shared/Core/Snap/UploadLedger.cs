using Azure;
using Azure.Data.Tables;
using Fleet.Core.Platform.Storage;

namespace Fleet.Core.Snap;

/// <summary>Row of <c>snapUploads</c>: PK = operation id, RK = the blob's hex digest; the registry's upload location (no secret in it).</summary>
public sealed class UploadEntity : ITableEntity
{
    public string PartitionKey { get; set; } = "";
    public string RowKey { get; set; } = "";
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }
    public string Location { get; set; } = "";
}

/// <summary>Where each blob upload of an operation stands, so that a retried activity (any host) continues it.</summary>
public sealed class UploadLedger(FleetStorage storage)
{
    public const string Table = "snapUploads";
    private TableStore<UploadEntity> Rows => storage.Table<UploadEntity>(Table);

    public async Task<string?> GetAsync(string operationId, string digest, CancellationToken ct)
    {
        await storage.EnsureTableAsync(Table, ct);
        return (await Rows.GetAsync(operationId, Key(digest), ct))?.Location;
    }

    public async Task SetAsync(string operationId, string digest, string? location, CancellationToken ct)
    {
        await storage.EnsureTableAsync(Table, ct);
        if (location is null) await Rows.DeleteAsync(operationId, Key(digest), ct: ct);
        else await Rows.UpsertAsync(new UploadEntity { PartitionKey = operationId, RowKey = Key(digest), Location = location }, ct);
    }

    private static string Key(string digest) => digest.Replace(':', '-');
}
