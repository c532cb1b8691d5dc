using Fleet.Core.Kubernetes;
using Fleet.Core.Kubilitics;
using Fleet.Core.Platform.Errors;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;

namespace Fleet.Core.Snap.Operator;

/// <summary>The pod orchestration's I/O: deleting the pod it checkpointed, recording the outcome.</summary>
public sealed class SnapWatcherPods(ClusterRegistry clusters, SnapWatcherStore store, ILogger<SnapWatcherPods> log)
{
    /// <summary>Deletes the pod with a uid precondition (never a newer pod of the same name); false when it was gone already.</summary>
    public async Task<bool> DeleteAsync(SnapWatcherDeletePod pod, CancellationToken ct)
    {
        try
        {
            await clusters.RunAsync(pod.ClusterId, (k, t) => k.CoreV1.DeleteNamespacedPodAsync(pod.PodName, pod.Namespace,
                new V1DeleteOptions { Preconditions = new V1Preconditions { Uid = pod.PodUid } }, cancellationToken: t), ct);
            log.LogInformation("SnapWatcher deleted pod {Namespace}/{Pod} after its checkpoint", pod.Namespace, pod.PodName);
            return true;
        }
        catch (FleetException e) when (e.Kind is FleetErrorKind.NotFound or FleetErrorKind.Conflict)
        {
            // Gone already, or the name now belongs to another pod (the uid precondition failed).
            return false;
        }
    }

    public Task RecordAsync(SnapWatcherPodOutcome o, CancellationToken ct) =>
        store.RecordOutcomeAsync(o.WatchId, o.PodUid, row =>
        {
            row.State = o.Failed > 0 ? SnapWatcherPodState.Failed : SnapWatcherPodState.Done;
            row.Checkpointed = o.Checkpointed;
            row.Pushed = o.Pushed;
            row.Failed = o.Failed;
            row.Deleted = o.Deleted;
            row.Images = string.Join("\n", o.Images);
            row.Error = o.Error is { Length: > 1000 } e ? e[..1000] : o.Error;
            row.DoneAt = DateTimeOffset.UtcNow;
        }, ct);
}
