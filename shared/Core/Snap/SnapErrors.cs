using Fleet.Core.Platform.Errors;

namespace Fleet.Core.Snap;

/// <summary>SNAP's error codes (seeds/snap-api.md "Common Error Codes") on the shared error model.</summary>
public static class SnapErrors
{
    public const string CheckpointFailed = "CHECKPOINT_FAILED";
    public const string ClusterNotFound = "CLUSTER_NOT_FOUND";

    public static FleetException PodNotFound(string ns, string pod) =>
        FleetException.NotFound($"Pod '{pod}' not found in namespace '{ns}'", CheckpointFailed,
            new Dictionary<string, object?> { ["pod_name"] = pod, ["namespace"] = ns });

    public static FleetException ContainerNotFound(string ns, string pod, string container, IEnumerable<string> present) =>
        FleetException.NotFound($"Container '{container}' not found in pod '{pod}'", CheckpointFailed,
            new Dictionary<string, object?> { ["container_name"] = container, ["pod_name"] = pod, ["namespace"] = ns, ["containers"] = string.Join(",", present) });

    public static FleetException CheckpointNotFound(string what) =>
        FleetException.NotFound($"Checkpoint '{what}' not found", CheckpointFailed);

    /// <summary>The cluster or node refused or failed the checkpoint (not the caller's input).</summary>
    public static FleetException Failed(string message, FleetErrorKind kind = FleetErrorKind.UpstreamUnreachable) =>
        new(kind, message, code: CheckpointFailed);
}
