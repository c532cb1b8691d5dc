using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Specialized;
using Fleet.Core.Platform.Storage;

namespace Fleet.Core.Platform.Mesh;

/// <summary>
/// A blob lease (<c>&lt;container&gt;/&lt;name&gt;</c>) that makes one host of the fleet the runner of something: a timer, the
/// Docker event pump. The holder keeps it by renewing; other hosts try to take it from time to time, so a stopped or dead
/// host is replaced within one lease period.
/// </summary>
public sealed class HostLease(FleetStorage storage, string container, string name)
{
    public static readonly TimeSpan Duration = TimeSpan.FromSeconds(15);

    private readonly string _leaseId = Guid.NewGuid().ToString();
    // The scheduling loop and the renewal loop both call in; one request at a time keeps _expires honest.
    private readonly SemaphoreSlim _gate = new(1, 1);
    private DateTimeOffset _expires = DateTimeOffset.MinValue;
    private BlobLeaseClient? _client;

    /// <summary>True while this host believes it holds the lease.</summary>
    public bool IsHeld => DateTimeOffset.UtcNow < _expires;

    /// <summary>Renews a held lease, or tries to take a free one; false when another host holds it.</summary>
    public async Task<bool> TryHoldAsync(CancellationToken ct)
    {
        await _gate.WaitAsync(ct);
        try
        {
            var client = _client ??= await CreateClientAsync(ct);
            var started = DateTimeOffset.UtcNow;
            try
            {
                if (_expires > started) await client.RenewAsync(cancellationToken: ct);
                else await client.AcquireAsync(Duration, cancellationToken: ct);
                // Counted from before the request, so this host never believes in a lease the service already dropped.
                _expires = started + Duration;
                return true;
            }
            catch (RequestFailedException e) when (e.Status is 409 or 412)
            {
                // 409: another host holds it; 412 on renew: ours expired and someone else took it.
                _expires = DateTimeOffset.MinValue;
                return false;
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Gives the lease up at shutdown, so another host takes over at its next tick instead of after expiry.</summary>
    public async Task ReleaseAsync(CancellationToken ct)
    {
        if (_client is null || _expires <= DateTimeOffset.UtcNow) return;
        _expires = DateTimeOffset.MinValue;
        // Best effort: an unreleased lease only delays the next host by one lease period.
        try { await _client.ReleaseAsync(cancellationToken: ct); }
        catch (Exception e) when (e is RequestFailedException or OperationCanceledException or IOException or HttpRequestException) { }
    }

    private async Task<BlobLeaseClient> CreateClientAsync(CancellationToken ct)
    {
        var blobs = await storage.ContainerAsync(container, ct);
        var blob = blobs.GetBlobClient(name);
        try
        {
            await blob.UploadAsync(BinaryData.Empty, overwrite: false, ct);
        }
        catch (RequestFailedException e) when (e.Status is 409 or 412)
        {
            // The blob exists (possibly leased by another host): that is all we need.
        }
        return blob.GetBlobLeaseClient(_leaseId);
    }
}
