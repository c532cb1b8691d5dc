namespace Fleet.Core.Snap;

/// <summary>SNAP settings (section <c>Snap</c>).</summary>
public sealed class SnapOptions
{
    /// <summary>Namespace of the checkpoint agent DaemonSet Fleet deploys on each cluster.</summary>
    public string AgentNamespace { get; set; } = "fleet-snap";

    /// <summary>The agent's image: any image with a POSIX shell, cat and sha256sum (busybox).</summary>
    public string AgentImage { get; set; } = "busybox:1.36";

    /// <summary>How long to wait for the agent pod on a node to run.</summary>
    public TimeSpan AgentReadyTimeout { get; set; } = TimeSpan.FromSeconds(90);

    /// <summary>How long the kubelet may take to write a checkpoint.</summary>
    public TimeSpan CheckpointTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Blob container of the archives.</summary>
    public string BlobContainer { get; set; } = "snap-checkpoints";
}
