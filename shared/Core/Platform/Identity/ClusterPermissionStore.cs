using Azure;
using Azure.Data.Tables;
using Fleet.Core.Platform.Storage;

namespace Fleet.Core.Platform.Identity;

public sealed class ClusterPermissionEntity : ITableEntity
{
    public string PartitionKey { get; set; } = "";
    public string RowKey { get; set; } = "";
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }
    public string Role { get; set; } = UserRoles.Viewer;
}

/// <summary>
/// Table <c>platformClusterPermissions</c>. Read on every request to a route with a cluster id
/// (one user, one cluster) and listed per user, so: PartitionKey the user id, RowKey the cluster id.
/// </summary>
public sealed class ClusterPermissionStore(FleetStorage storage)
{
    public const string Table = "platformClusterPermissions";
    private TableStore<ClusterPermissionEntity> Store => storage.Table<ClusterPermissionEntity>(Table);

    public async Task<string?> GetRoleAsync(string userId, string clusterId, CancellationToken ct = default) =>
        IsSafe(clusterId) ? (await Store.GetAsync(userId, clusterId, ct))?.Role : null;

    public async Task<IReadOnlyList<ClusterPermissionEntity>> ListAsync(string userId, CancellationToken ct = default)
    {
        var list = new List<ClusterPermissionEntity>();
        await foreach (var p in Store.QueryAllAsync($"PartitionKey eq '{userId.Replace("'", "''")}'", ct)) list.Add(p);
        return list;
    }

    public Task SetAsync(string userId, string clusterId, string role, CancellationToken ct = default) =>
        Store.UpsertAsync(new ClusterPermissionEntity { PartitionKey = userId, RowKey = clusterId, Role = role }, ct);

    public Task<bool> RemoveAsync(string userId, string clusterId, CancellationToken ct = default) =>
        Store.DeleteAsync(userId, clusterId, ct: ct);

    public static bool IsSafe(string key) =>
        key.Length is > 0 and <= 256 && key.IndexOfAny(['/', '\\', '#', '?', '\t', '\n', '\r']) < 0;
}
