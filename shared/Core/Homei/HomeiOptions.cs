namespace Fleet.Core.Homei;

/// <summary>App settings <c>Homei__*</c>.</summary>
public sealed class HomeiOptions
{
    /// <summary>Seconds a stopping container gets after SIGTERM before it is killed (Docker's default).</summary>
    public uint StopTimeoutSeconds { get; set; } = 10;

    /// <summary>How long long-running routes wait for their orchestration before answering 202.</summary>
    public TimeSpan LongRunningWait { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Whether this host takes part in reconciliation (one host of the fleet runs it). <c>false</c> keeps a host that
    /// shares the fleet's storage and engine (a read replica, a test host) from repairing containers.
    /// </summary>
    public bool Reconcile { get; set; } = true;

    public RaucOptions Rauc { get; set; } = new();
}

/// <summary>App settings <c>Homei__Rauc__*</c>.</summary>
public sealed class RaucOptions
{
    public string Command { get; set; } = "rauc";
    public string BundleDirectory { get; set; } = "/data/updates";
}
