using Fleet.Core.Kubernetes;

namespace Fleet.Core.Snap.Operator;

/// <summary>A cluster removed from the registry takes its watchers (every fleet's) with it: nothing could stop them by name afterwards.</summary>
public sealed class SnapWatcherClusterCleanup(SnapWatcherStore store) : IClusterRemovedListener
{
    public async Task ClusterRemovedAsync(string clusterId, CancellationToken ct)
    {
        foreach (var watcher in await store.ByClusterAsync(clusterId, ct))
        {
            await store.DeleteAsync(watcher, ct);
            await store.DeletePodsAsync(watcher.WatchId, ct);
        }
    }
}
