namespace Fleet.Core.Snap.Operator;

/// <summary>
/// What the watcher hands the pod orchestration (<c>SnapWatcherPodOrchestrator</c>): names and a registry config's name,
/// never a credential. Its instance id is <see cref="InstanceId"/>, so a host that takes over a watch does not start it twice.
/// </summary>
public sealed record SnapWatcherPodInput(string WatchId, string ClusterId, string Namespace, string PodName, string PodUid,
    IReadOnlyList<string> Containers, RegistryRef Registry, string Repository, bool AutoDeletePod)
{
    public const string Orchestrator = "SnapWatcherPodOrchestrator";
    public const string TaskName = "SnapWatcher";

    public static string InstanceId(string watchId, string podUid) => $"snapw-{watchId}-{podUid}";
}

/// <summary>A pod's outcome, written to its <c>snapWatcherPods</c> row.</summary>
public sealed record SnapWatcherPodOutcome(string WatchId, string PodUid, int Checkpointed, int Pushed, int Failed, bool Deleted,
    IReadOnlyList<string> Images, string? Error);

public sealed record SnapWatcherDeletePod(string ClusterId, string Namespace, string PodName, string PodUid);
