namespace Fleet.Core.KubeEdge;

/// <summary>App settings <c>KubeEdge__*</c>: host-level defaults; the stored config (PUT /config) overrides the editable ones.</summary>
public sealed class KubeEdgeOptions
{
    /// <summary>The registered cluster CloudCore runs in; empty means the first registered cluster.</summary>
    public string? ClusterId { get; set; }
    /// <summary>The address edge nodes use to reach CloudCore; empty means this host's first non-loopback IPv4.</summary>
    public string? AdvertiseAddress { get; set; }
    public string Version { get; set; } = "1.18.0";
    public int CommandTimeoutSeconds { get; set; } = 30;
    public int TokenExpiryHours { get; set; } = 24;
    public string TopicPrefix { get; set; } = "cloudcore";
    /// <summary>How long a long route waits for its orchestration before answering 202.</summary>
    public double SyncWaitSeconds { get; set; } = 8;
    /// <summary>A device silent for longer than this is marked offline by the sweep.</summary>
    public int SilentDeviceSeconds { get; set; } = 300;
    public double SseHeartbeatSeconds { get; set; } = 15;
    /// <summary>Namespace POST /apps/deploy creates Deployments in.</summary>
    public string AppNamespace { get; set; } = "default";
    /// <summary>Seconds between rollout polls of an app deploy, and how many polls before it reports what it has.</summary>
    public double RolloutPollSeconds { get; set; } = 2;
    public int RolloutMaxPolls { get; set; } = 90;
}
