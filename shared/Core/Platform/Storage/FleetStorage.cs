using System.Collections.Concurrent;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Azure.Storage.Queues;

namespace Fleet.Core.Platform.Storage;

/// <summary>
/// The storage account behind <c>AzureWebJobsStorage</c>: table, blob and queue clients, and the
/// typed stores. Tables are created once per process before first use.
/// </summary>
public sealed class FleetStorage
{
    private readonly ConcurrentDictionary<string, Lazy<Task>> _created = new();

    public FleetStorage(string connectionString)
    {
        ConnectionString = connectionString;
        Tables = new TableServiceClient(connectionString);
        Blobs = new BlobServiceClient(connectionString);
        Queues = new QueueServiceClient(connectionString);
    }

    public string ConnectionString { get; }
    public TableServiceClient Tables { get; }
    public BlobServiceClient Blobs { get; }
    public QueueServiceClient Queues { get; }

    /// <summary>A typed store for <paramref name="tableName"/>; call <see cref="EnsureTableAsync"/> at start.</summary>
    public TableStore<T> Table<T>(string tableName) where T : class, ITableEntity, new() =>
        new(Tables.GetTableClient(tableName));

    public Task EnsureTableAsync(string tableName, CancellationToken ct = default) =>
        Once(tableName, () => Tables.GetTableClient(tableName).CreateIfNotExistsAsync(ct));

    public async Task<BlobContainerClient> ContainerAsync(string name, CancellationToken ct = default)
    {
        var c = Blobs.GetBlobContainerClient(name);
        await Once("blob:" + name, () => c.CreateIfNotExistsAsync(cancellationToken: ct));
        return c;
    }

    /// <summary>Creates a resource once per process; a failed attempt is forgotten so the next call tries again.</summary>
    private async Task Once(string key, Func<Task> create)
    {
        var lazy = _created.GetOrAdd(key, _ => new Lazy<Task>(create));
        try
        {
            await lazy.Value;
        }
        catch
        {
            _created.TryRemove(new KeyValuePair<string, Lazy<Task>>(key, lazy));
            throw;
        }
    }
}
