using Fleet.Core.Platform.Mesh;
using Fleet.Core.Platform.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Fleet.Core.Snap.Operator;

/// <summary>
/// Runs the fleet's SnapWatchers, each on one host at a time: every poll it reads the definitions (<c>snapWatchers</c>, this
/// fleet's partition), tries the blob lease <c>snap-watcher-leases/&lt;fleet&gt;/&lt;cluster id&gt;</c> of each (renewing the ones it
/// holds, as <see cref="SingletonService"/> does for one fixed name) and runs <see cref="SnapWatchLoop"/> for those it holds.
/// A watcher whose definition went (stopped), or whose lease this host lost, is cancelled here; at shutdown the leases are
/// released so another host takes over at its next poll, and a host that died is replaced once its leases expire (15 s).
/// </summary>
public sealed class SnapWatcherHost(SnapWatcherStore store, SnapWatchLoop loop, FleetStorage storage, MeshTopics topics, HostIdentity identity,
    LeaseBook book, IOptions<SnapWatcherOptions> options, ILogger<SnapWatcherHost> log) : BackgroundService
{
    public const string LeaseContainer = "snap-watcher-leases";

    private readonly Dictionary<string, Running> _running = new(StringComparer.Ordinal);
    private readonly Dictionary<string, HostLease> _leases = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _poke = new(0, 1);

    private sealed record Running(string WatchId, string ClusterName, CancellationTokenSource Stop, Task Work)
    {
        public DateTimeOffset BeatAt { get; set; } = DateTimeOffset.MinValue;
    }

    /// <summary>Look again now (a watcher was started or stopped through this host).</summary>
    public void Poke()
    {
        try { _poke.Release(); }
        catch (SemaphoreFullException) { }
    }

    /// <summary>The clusters (ids) whose watch runs on this host now.</summary>
    public IReadOnlyList<string> RunningHere
    {
        get { lock (_running) return [.. _running.Keys]; }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var fleet = topics.FleetName;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await ReconcileAsync(fleet, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested) { break; }
            catch (Exception e) { log.LogWarning("SnapWatcher hosting: {Error}: {Message}", e.GetType().Name, e.Message); }
            try { await _poke.WaitAsync(options.Value.PollInterval, stoppingToken); }
            catch (OperationCanceledException) { break; }
        }
        foreach (var clusterId in RunningHere) await StopAsync(fleet, clusterId, clearHost: true);
        using var release = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        foreach (var lease in _leases.Values) await lease.ReleaseAsync(release.Token);
    }

    private async Task ReconcileAsync(string fleet, CancellationToken ct)
    {
        var rows = (await store.ListAsync(fleet, ct)).ToDictionary(r => r.RowKey, StringComparer.Ordinal);
        foreach (var clusterId in RunningHere)
        {
            Running r;
            lock (_running) r = _running[clusterId];
            // Stopped (row gone), started anew (another watch id), or ended by itself (it starts again below).
            if (!rows.TryGetValue(clusterId, out var row) || row.WatchId != r.WatchId || r.Work.IsCompleted)
                await StopAsync(fleet, clusterId, clearHost: false);
        }
        foreach (var (clusterId, lease) in _leases.Where(l => !rows.ContainsKey(l.Key)).ToList())
        {
            await lease.ReleaseAsync(ct);
            _leases.Remove(clusterId);
        }

        foreach (var row in rows.Values)
        {
            if (!_leases.TryGetValue(row.RowKey, out var lease))
                _leases[row.RowKey] = lease = new HostLease(storage, LeaseContainer, $"{fleet}/{row.RowKey}");
            bool held;
            try { held = await lease.TryHoldAsync(ct); }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // Storage away: keep running while the lease we hold has not run out.
                log.LogWarning("SnapWatcher of cluster {Cluster}: lease renewal failed: {Message}", row.ClusterName, e.Message);
                held = lease.IsHeld;
            }
            bool running;
            lock (_running) running = _running.ContainsKey(row.RowKey);
            if (!held)
            {
                if (running)
                {
                    log.LogWarning("SnapWatcher of cluster {Cluster}: lease lost; stopping here", row.ClusterName);
                    await StopAsync(fleet, row.RowKey, clearHost: false);
                }
                continue;
            }
            if (!running)
            {
                var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
                var work = Task.Run(() => loop.RunAsync(fleet, row, stop.Token), CancellationToken.None);
                lock (_running) _running[row.RowKey] = new Running(row.WatchId, row.ClusterName, stop, work);
                book.Set(LeaseName(row.ClusterName), true);
                log.LogInformation("SnapWatcher of cluster {Cluster}: running on this host (resuming at resourceVersion {Rv})", row.ClusterName,
                    row.ResourceVersion.Length == 0 ? "none: listing first" : row.ResourceVersion);
            }
            Running current;
            lock (_running) current = _running[row.RowKey];
            if (DateTimeOffset.UtcNow - current.BeatAt >= options.Value.HeartbeatInterval)
            {
                var now = DateTimeOffset.UtcNow;
                if (await store.UpdateAsync(fleet, row.RowKey, current.WatchId, e => { e.Host = identity.HostId; e.HeartbeatAt = now; }, ct))
                    current.BeatAt = now;
            }
        }
    }

    private async Task StopAsync(string fleet, string clusterId, bool clearHost)
    {
        Running r;
        lock (_running)
        {
            if (!_running.Remove(clusterId, out r!)) return;
        }
        await r.Stop.CancelAsync();
        try { await r.Work; }
        catch (OperationCanceledException) { }
        catch (Exception e) { log.LogError(e, "SnapWatcher of cluster {Cluster} failed", r.ClusterName); }
        r.Stop.Dispose();
        book.Set(LeaseName(r.ClusterName), false);
        if (!clearHost) return;
        // Shutting down: status no longer shows this host as running it.
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        try
        {
            await store.UpdateAsync(fleet, clusterId, r.WatchId, e =>
            {
                if (e.Host == identity.HostId) { e.Host = null; e.HeartbeatAt = null; }
            }, cts.Token);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            log.LogWarning("SnapWatcher of cluster {Cluster}: could not clear its host at shutdown: {Message}", r.ClusterName, e.Message);
        }
    }

    private static string LeaseName(string clusterName) => "snap-watcher/" + clusterName;
}
