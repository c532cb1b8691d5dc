namespace Fleet.Core.Snap.Operator;

/// <summary>The SnapWatcher (section <c>Snap:Operator</c>).</summary>
public sealed class SnapWatcherOptions
{
    /// <summary>How often each host reads the watcher definitions, takes free leases and renews its own.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>How often the host running a watcher writes that it does (status shows it active while this is recent).</summary>
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The watch request's <c>timeoutSeconds</c>: the watch is opened again from the last resourceVersion after it.</summary>
    public int WatchTimeoutSeconds { get; set; } = 300;

    /// <summary>Repository prefix of the checkpoint images: <c>{prefix}/{namespace}/{pod}</c>, tagged with the container's name.</summary>
    public string RepositoryPrefix { get; set; } = "snap-watcher";
}
