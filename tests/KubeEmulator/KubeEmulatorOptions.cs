namespace Fleet.KubeEmulator;

public sealed class KubeEmulatorOptions
{
    /// <summary>TCP port on 127.0.0.1; 0 picks a free one.</summary>
    public int Port { get; set; }

    /// <summary>Serve HTTPS with a generated CA (in the kubeconfig). kubectl sends tokens only over TLS, so keep this on for kubectl.</summary>
    public bool UseHttps { get; set; } = true;

    /// <summary>Bearer token the server requires; a random one when null.</summary>
    public string? Token { get; set; }

    /// <summary>gitVersion /version reports.</summary>
    public string ServerVersion { get; set; } = "v1.31.4";

    /// <summary>The archive a kubelet checkpoint writes; default: shared/fixtures/checkpoint-busybox-counter.tar.gz found upward from the app directory.</summary>
    public string? CheckpointFixturePath { get; set; }

    /// <summary>Seeds namespaces, nodes and the KubeEdge CRDs on start.</summary>
    public bool Seed { get; set; } = true;

    /// <summary>Serves metrics.k8s.io as metrics-server does; false is a cluster without metrics-server (the group is not discovered, its paths 404).</summary>
    public bool MetricsServer { get; set; } = true;

    /// <summary>Runs the Deployment/ReplicaSet/Job/Pod/Endpoints controllers.</summary>
    public bool RunControllers { get; set; } = true;
}
