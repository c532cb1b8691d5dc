using System.Text.Json.Nodes;
using Azure.Data.Tables;
using Fleet.Core.Platform.Events;
using Fleet.Core.Platform.Storage;
using Fleet.Core.Platform.Time;
using k8s;
using Fleet.Core.Platform.Timers;
using Microsoft.Extensions.Options;

namespace Fleet.Core.KubeEdge;

/// <summary>
/// The periodic KubeEdge sweeps: expired token records, edge node readiness → device online/offline, silent devices → offline.
/// Plain methods, run by the timer functions below on the timer runtime (one run per tick across hosts).
/// </summary>
public sealed class KubeEdgeSweeps(FleetStorage storage, KubeEdgeScope scope, DeviceService devices, JoinTokenService tokens,
    IEventBus bus, IOptions<KubeEdgeOptions> options)
{
    public Task<int> RemoveExpiredTokensAsync(CancellationToken ct) => tokens.RemoveExpiredAsync(ct);

    /// <summary>Devices on a node that is not Ready (or gone) go offline; returns how many changed.</summary>
    public async Task<int> ApplyNodeReadinessAsync(CancellationToken ct)
    {
        if (await scope.TryClusterIdAsync(ct) is not { } clusterId) return 0;
        var nodes = await scope.ExecuteAsync(clusterId, async (k, t) => (await k.CoreV1.ListNodeAsync(cancellationToken: t)).Items, ct);
        var ready = nodes.Where(n => n.Status?.Conditions?.Any(c => c.Type == "Ready" && c.Status == "True") == true)
            .Select(n => n.Metadata.Name).ToHashSet();
        var changed = 0;
        await storage.EnsureTableAsync(DeviceService.Table, ct);
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {clusterId} and Status ne {DeviceStatus.Offline}");
        await foreach (var d in devices.Rows.QueryAllAsync(filter, ct))
        {
            if (ready.Contains(d.NodeName)) continue;
            if (await devices.SetStatusAsync(clusterId, d.RowKey, DeviceStatus.Offline, null, ct) is { } previous && previous != DeviceStatus.Offline)
            {
                changed++;
                Publish(d.RowKey, previous, $"node '{d.NodeName}' is not Ready");
            }
        }
        return changed;
    }

    /// <summary>Online devices not heard from within the threshold go offline; returns how many changed.</summary>
    public async Task<int> MarkSilentDevicesOfflineAsync(TimeSpan? threshold, CancellationToken ct)
    {
        if (await scope.TryClusterIdAsync(ct) is not { } clusterId) return 0;
        var cutoff = DateTimeOffset.UtcNow - (threshold ?? TimeSpan.FromSeconds(options.Value.SilentDeviceSeconds));
        var changed = 0;
        await storage.EnsureTableAsync(DeviceService.Table, ct);
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {clusterId} and Status eq {DeviceStatus.Online} and LastSeen lt {cutoff}");
        await foreach (var d in devices.Rows.QueryAllAsync(filter, ct))
        {
            if (await devices.SetStatusAsync(clusterId, d.RowKey, DeviceStatus.Offline, null, ct) == DeviceStatus.Online)
            {
                changed++;
                Publish(d.RowKey, DeviceStatus.Online, "silent");
            }
        }
        return changed;
    }

    private void Publish(string deviceId, string previous, string reason) =>
        bus.Publish(KubeEdgeEvents.Family, KubeEdgeEvents.DeviceStatus, new JsonObject
        {
            ["device_id"] = deviceId, ["status"] = DeviceStatus.Offline, ["previous_status"] = previous, ["reason"] = reason,
            ["timestamp"] = FleetTime.Format(DateTimeOffset.UtcNow),
        });
}

/// <summary>Expired join-token records go every five minutes.</summary>
public sealed class KubeEdgeTokenExpiryTimer(KubeEdgeSweeps sweeps) : ITimerFunction
{
    public string Name => "KubeEdgeTokenExpiry";
    public string Schedule => "0 */5 * * * *";
    public Task RunAsync(TimerInfo info, CancellationToken ct) => sweeps.RemoveExpiredTokensAsync(ct);
}

/// <summary>Edge node readiness decides device online/offline every minute.</summary>
public sealed class KubeEdgeNodeReadinessTimer(KubeEdgeSweeps sweeps) : ITimerFunction
{
    public string Name => "KubeEdgeNodeReadiness";
    public string Schedule => "0 * * * * *";
    public Task RunAsync(TimerInfo info, CancellationToken ct) => sweeps.ApplyNodeReadinessAsync(ct);
}

/// <summary>Devices silent past <c>KubeEdge__SilentDeviceSeconds</c> go offline; checked every minute.</summary>
public sealed class KubeEdgeSilentDeviceTimer(KubeEdgeSweeps sweeps) : ITimerFunction
{
    public string Name => "KubeEdgeSilentDevices";
    public string Schedule => "30 * * * * *";
    public Task RunAsync(TimerInfo info, CancellationToken ct) => sweeps.MarkSilentDevicesOfflineAsync(null, ct);
}
