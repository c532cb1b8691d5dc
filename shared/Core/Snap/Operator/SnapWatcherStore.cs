using Azure;
using Fleet.Core.Platform.Errors;
using Fleet.Core.Platform.Storage;

namespace Fleet.Core.Snap.Operator;

/// <summary>The watcher definitions (<c>snapWatchers</c>) and the pods they took up (<c>snapWatcherPods</c>).</summary>
public sealed class SnapWatcherStore(FleetStorage storage)
{
    public const string Table = "snapWatchers";
    public const string PodTable = "snapWatcherPods";

    private TableStore<SnapWatcherEntity> Rows => storage.Table<SnapWatcherEntity>(Table);
    private TableStore<SnapWatcherPodEntity> Pods => storage.Table<SnapWatcherPodEntity>(PodTable);

    public async Task<IReadOnlyList<SnapWatcherEntity>> ListAsync(string fleet, CancellationToken ct)
    {
        await storage.EnsureTableAsync(Table, ct);
        var list = new List<SnapWatcherEntity>();
        await foreach (var e in Rows.QueryAllAsync($"PartitionKey eq '{fleet.Replace("'", "''")}'", ct)) list.Add(e);
        return list.OrderBy(e => e.StartedAt).ThenBy(e => e.ClusterName, StringComparer.Ordinal).ToList();
    }

    /// <summary>The watchers of a cluster in every fleet.</summary>
    public async Task<IReadOnlyList<SnapWatcherEntity>> ByClusterAsync(string clusterId, CancellationToken ct)
    {
        await storage.EnsureTableAsync(Table, ct);
        var list = new List<SnapWatcherEntity>();
        await foreach (var e in Rows.QueryAllAsync($"RowKey eq '{clusterId.Replace("'", "''")}'", ct)) list.Add(e);
        return list;
    }

    public async Task<SnapWatcherEntity?> GetAsync(string fleet, string clusterId, CancellationToken ct)
    {
        await storage.EnsureTableAsync(Table, ct);
        return await Rows.GetAsync(fleet, clusterId, ct);
    }

    /// <summary>Adds the definition; one already there (this cluster, this fleet) is a 409.</summary>
    public async Task<SnapWatcherEntity> AddAsync(SnapWatcherEntity entity, CancellationToken ct)
    {
        await storage.EnsureTableAsync(Table, ct);
        await storage.EnsureTableAsync(PodTable, ct);
        return await Rows.AddAsync(entity, $"a SnapWatcher already runs on cluster '{entity.ClusterName}'; stop it first", ct);
    }

    public async Task<bool> DeleteAsync(SnapWatcherEntity entity, CancellationToken ct) =>
        await Rows.DeleteAsync(entity.PartitionKey, entity.RowKey, ct: ct);

    /// <summary>
    /// Changes the row of watch <paramref name="watchId"/> (read, change, write under its ETag, again on a lost race);
    /// false when the watcher was stopped or started anew meanwhile.
    /// </summary>
    public async Task<bool> UpdateAsync(string fleet, string clusterId, string watchId, Action<SnapWatcherEntity> change, CancellationToken ct)
    {
        for (var attempt = 0; ; attempt++)
        {
            var row = await Rows.GetAsync(fleet, clusterId, ct);
            if (row is null || row.WatchId != watchId) return false;
            change(row);
            try
            {
                await Rows.UpdateAsync(row, ct);
                return true;
            }
            catch (FleetException e) when (e.Kind == FleetErrorKind.Conflict && attempt < 5) { }
            catch (FleetException e) when (e.Kind == FleetErrorKind.NotFound) { return false; }
        }
    }

    public async Task<bool> IsActiveAsync(string fleet, string clusterId, string watchId, CancellationToken ct) =>
        (await Rows.GetAsync(fleet, clusterId, ct))?.WatchId == watchId;

    public Task<SnapWatcherPodEntity?> GetPodAsync(string watchId, string podUid, CancellationToken ct) => Pods.GetAsync(watchId, podUid, ct);

    /// <summary>Records a pod as taken up; false when it already was.</summary>
    public async Task<bool> AddPodAsync(SnapWatcherPodEntity pod, CancellationToken ct)
    {
        await storage.EnsureTableAsync(PodTable, ct);
        try
        {
            await Pods.AddAsync(pod, ct: ct);
            return true;
        }
        catch (FleetException e) when (e.Kind == FleetErrorKind.Conflict)
        {
            return false;
        }
    }

    /// <summary>Writes a pod's outcome; a pod whose watcher was stopped meanwhile (its rows gone) stays gone.</summary>
    public async Task RecordOutcomeAsync(string watchId, string podUid, Action<SnapWatcherPodEntity> change, CancellationToken ct)
    {
        await storage.EnsureTableAsync(PodTable, ct);
        var row = await Pods.GetAsync(watchId, podUid, ct);
        if (row is null) return;
        change(row);
        try { await Pods.Client.UpdateEntityAsync(row, ETag.All, Azure.Data.Tables.TableUpdateMode.Replace, ct); }
        catch (RequestFailedException e) when (e.Status == 404) { }
    }

    public async Task<IReadOnlyList<SnapWatcherPodEntity>> PodsAsync(string watchId, CancellationToken ct)
    {
        await storage.EnsureTableAsync(PodTable, ct);
        var list = new List<SnapWatcherPodEntity>();
        await foreach (var e in Pods.QueryAllAsync($"PartitionKey eq '{watchId.Replace("'", "''")}'", ct)) list.Add(e);
        return list;
    }

    /// <summary>Drops the pod records of a stopped watch.</summary>
    public async Task DeletePodsAsync(string watchId, CancellationToken ct)
    {
        foreach (var p in await PodsAsync(watchId, ct)) await Pods.DeleteAsync(p.PartitionKey, p.RowKey, ct: ct);
    }
}
