using System.Collections.Concurrent;
using System.Globalization;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Specialized;
using Fleet.Durable.Tracking.AzureStorage;
using Microsoft.Extensions.Logging;

namespace Fleet.Durable.Partitioning;

/// <summary>Shares the control-queue partitions between host processes with blob leases in <c>{hub}-leases</c>, as
/// DurableTask.AzureStorage does: one blob per partition, leased for <see cref="DurableTaskOptions.PartitionLeaseDuration"/> and
/// renewed every <see cref="DurableTaskOptions.PartitionLeaseRenewInterval"/>; expired leases are taken over. Each host also
/// keeps a heartbeat blob, so that every host aims at an equal share and hands over its extras.</summary>
internal sealed class BlobLeasePartitionManager : IPartitionManager
{
    private readonly DurableTaskOptions _options;
    private readonly Action<int> _evict;
    private readonly BlobContainerClient _container;
    private readonly ILogger _log;
    private readonly string _workerId = Guid.NewGuid().ToString();
    private readonly ConcurrentDictionary<int, Owned> _owned = new();

    private sealed record Owned(BlobLeaseClient Lease, CancellationTokenSource Stop, Task Runner);

    /// <param name="options">The task hub's settings.</param>
    /// <param name="evict">Forgets what this host cached of a partition's instances, when it stops owning the partition.</param>
    /// <param name="loggerFactory">Logging.</param>
    public BlobLeasePartitionManager(DurableTaskOptions options, Action<int> evict, ILoggerFactory loggerFactory)
    {
        _options = options;
        _evict = evict;
        var names = new AzureStorageNames(options.HubName);
        _container = new BlobServiceClient(options.StorageConnectionString).GetBlobContainerClient(names.LeasesContainer);
        _log = loggerFactory.CreateLogger("Fleet.Durable.Leases");
    }

    /// <summary>The partitions this host owns now (for tests and diagnostics).</summary>
    public IReadOnlyCollection<int> OwnedPartitions => _owned.Keys.ToArray();

    private DurableTaskOptions Options => _options;

    private static string PartitionBlob(int p) => $"control-{p:00}";

    private string WorkerBlob => $"workers/{_workerId}";

    public async Task RunAsync(Func<int, CancellationToken, Task> runPartition, CancellationToken stopping)
    {
        await _container.CreateIfNotExistsAsync(cancellationToken: stopping);
        for (int p = 0; p < Options.PartitionCount; p++)
        {
            try { await _container.GetBlobClient(PartitionBlob(p)).UploadAsync(BinaryData.FromString(""), overwrite: false, stopping); }
            catch (RequestFailedException e) when (e.Status is 409 or 412) { /* exists, maybe leased */ }
        }
        try
        {
            while (!stopping.IsCancellationRequested)
            {
                try
                {
                    await BalanceAsync(runPartition, stopping);
                }
                catch (Exception ex) when (!stopping.IsCancellationRequested)
                {
                    _log.LogWarning(ex, "Partition lease round failed.");
                }
                await Task.Delay(Options.PartitionLeaseRenewInterval, stopping).ContinueWith(_ => { }, TaskScheduler.Default);
            }
        }
        finally
        {
            // Graceful shutdown: stop polling, then hand the partitions over at once instead of letting the leases expire.
            foreach (var p in _owned.Keys.ToArray()) await ReleaseAsync(p);
            try { await _container.DeleteBlobIfExistsAsync(WorkerBlob); } catch { /* expires by itself */ }
        }
    }

    private async Task BalanceAsync(Func<int, CancellationToken, Task> runPartition, CancellationToken stopping)
    {
        var now = DateTimeOffset.UtcNow;
        await _container.GetBlobClient(WorkerBlob).UploadAsync(BinaryData.FromString(now.ToString("o", CultureInfo.InvariantCulture)), overwrite: true, stopping);
        int workers = 0;
        await foreach (var blob in _container.GetBlobsAsync(Azure.Storage.Blobs.Models.BlobTraits.None, Azure.Storage.Blobs.Models.BlobStates.None, "workers/", stopping))
        {
            if (blob.Properties.LastModified is { } seen && now - seen < Options.PartitionLeaseDuration * 2) workers++;
            else if (blob.Properties.LastModified is not null) await _container.DeleteBlobIfExistsAsync(blob.Name, cancellationToken: stopping);
        }
        int target = (int)Math.Ceiling(Options.PartitionCount / (double)Math.Max(1, workers));

        foreach (var (p, owned) in _owned.ToArray())
        {
            try
            {
                await owned.Lease.RenewAsync(cancellationToken: stopping);
            }
            catch (RequestFailedException ex)
            {
                // Someone else holds it now: stop this partition's work at once.
                _log.LogWarning("Lost the lease on partition {Partition} ({Status}); stopping it.", p, ex.Status);
                owned.Stop.Cancel();
                _owned.TryRemove(p, out _);
                Evict(p);
            }
        }
        for (int p = 0; p < Options.PartitionCount && _owned.Count < target; p++)
        {
            if (_owned.ContainsKey(p)) continue;
            var lease = _container.GetBlobClient(PartitionBlob(p)).GetBlobLeaseClient(_workerId);
            try
            {
                await lease.AcquireAsync(Options.PartitionLeaseDuration, cancellationToken: stopping);
            }
            catch (RequestFailedException e) when (e.Status == 409)
            {
                continue;
            }
            Evict(p);
            int partition = p;
            var stop = CancellationTokenSource.CreateLinkedTokenSource(stopping);
            _owned[p] = new Owned(lease, stop, Task.Run(() => runPartition(partition, stop.Token), CancellationToken.None));
            _log.LogInformation("Acquired partition {Partition} ({Owned}/{Target}, {Workers} hosts).", p, _owned.Count, target, workers);
        }
        foreach (var p in _owned.Keys.OrderByDescending(p => p).Take(Math.Max(0, _owned.Count - target)).ToArray())
        {
            _log.LogInformation("Handing over partition {Partition} ({Workers} hosts share {Count}).", p, workers, Options.PartitionCount);
            await ReleaseAsync(p);
        }
    }

    private async Task ReleaseAsync(int partition)
    {
        if (!_owned.TryRemove(partition, out var owned)) return;
        owned.Stop.Cancel();
        await Task.WhenAny(owned.Runner, Task.Delay(TimeSpan.FromSeconds(5)));
        try { await owned.Lease.ReleaseAsync(); } catch (RequestFailedException) { /* already lost or expired */ }
        Evict(partition);
    }

    /// <summary>Cached histories of a partition that another host may have advanced are dropped.</summary>
    private void Evict(int partition) => _evict(partition);
}
