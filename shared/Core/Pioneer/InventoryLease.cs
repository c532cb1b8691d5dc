using Azure;
using Azure.Storage.Blobs.Specialized;
using Fleet.Core.Platform.Storage;

namespace Fleet.Core.Pioneer;

/// <summary>
/// A blob lease (<c>pioneer-leases/{source}</c>) held while one refresh of a source's rows runs, on any host, so that two
/// refreshes never interleave their reads and writes. Waits for a held lease; renews its own until disposed.
/// </summary>
public sealed class InventoryLease : IAsyncDisposable
{
    public const string Container = "pioneer-leases";
    private static readonly TimeSpan Duration = TimeSpan.FromSeconds(60), Renewal = TimeSpan.FromSeconds(20);

    private readonly BlobLeaseClient _lease;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _renewing;

    private InventoryLease(BlobLeaseClient lease)
    {
        _lease = lease;
        _renewing = RenewAsync();
    }

    public static async Task<InventoryLease> AcquireAsync(FleetStorage storage, string source, TimeSpan wait, CancellationToken ct)
    {
        var container = await storage.ContainerAsync(Container, ct);
        var blob = container.GetBlobClient(source);
        try { await blob.UploadAsync(BinaryData.Empty, overwrite: false, ct); }
        catch (RequestFailedException e) when (e.Status is 409 or 412) { } // there already (and perhaps leased)
        var lease = blob.GetBlobLeaseClient(Guid.NewGuid().ToString());
        var deadline = DateTimeOffset.UtcNow + wait;
        while (true)
        {
            try
            {
                await lease.AcquireAsync(Duration, cancellationToken: ct);
                return new InventoryLease(lease);
            }
            catch (RequestFailedException e) when (e.Status == 409 && DateTimeOffset.UtcNow < deadline)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(100 + Random.Shared.Next(150)), ct);
            }
        }
    }

    private async Task RenewAsync()
    {
        try
        {
            while (true)
            {
                await Task.Delay(Renewal, _stop.Token);
                await _lease.RenewAsync(cancellationToken: _stop.Token);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or RequestFailedException) { }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _renewing;
        try { await _lease.ReleaseAsync(); }
        catch (RequestFailedException) { } // expired: nothing to give back
        _stop.Dispose();
    }
}
