using Fleet.Core.Platform.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Fleet.Core.Platform.Mesh;

/// <summary>
/// Claims a free event-id slot (<c>singleton-leases/&lt;fleet&gt;/slot-N</c>) before the host serves anything, and keeps it by
/// renewing; with the mesh off a host is alone and keeps its random slot.
/// </summary>
public sealed class HostSlotClaim(FleetStorage storage, MeshTopics topics, HostIdentity host, ILogger<HostSlotClaim> logger) : IHostedService
{
    private HostLease? _lease;
    private CancellationTokenSource? _stop;
    private Task _renewal = Task.CompletedTask;

    public async Task StartAsync(CancellationToken ct)
    {
        if (!topics.Enabled) return;
        // Storage that does not answer must not hold the host's start: after 10 s it keeps its random slot.
        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(ct);
        bounded.CancelAfter(TimeSpan.FromSeconds(10));
        try
        {
            for (var i = 0; i < HostIdentity.Slots && _lease is null; i++)
            {
                var slot = (host.Slot + i) % HostIdentity.Slots;
                var lease = new HostLease(storage, "singleton-leases", $"{topics.FleetName}/slot-{slot}");
                if (!await lease.TryHoldAsync(bounded.Token)) continue;
                _lease = lease;
                host.Slot = slot;
            }
            if (_lease is null) logger.LogWarning("No free event-id slot among {Slots}; keeping random slot {Slot}", HostIdentity.Slots, host.Slot);
        }
        catch (Exception e) when (!ct.IsCancellationRequested)
        {
            logger.LogWarning("Event-id slot not claimed ({Message}); keeping random slot {Slot}", e.Message, host.Slot);
            return;
        }
        if (_lease is null) return;
        _stop = new CancellationTokenSource();
        _renewal = RenewAsync(_lease, _stop.Token);
    }

    private static async Task RenewAsync(HostLease lease, CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            await Task.Delay(HostLease.Duration / 3, ct).ContinueWith(_ => { });
            if (ct.IsCancellationRequested) break;
            try { await lease.TryHoldAsync(ct); }
            catch (Exception) when (!ct.IsCancellationRequested) { /* storage away: try again at the next period */ }
            catch (OperationCanceledException) { }
        }
    }

    public async Task StopAsync(CancellationToken ct)
    {
        if (_stop is null || _lease is null) return;
        await _stop.CancelAsync();
        await _renewal;
        await _lease.ReleaseAsync(ct);
    }
}
