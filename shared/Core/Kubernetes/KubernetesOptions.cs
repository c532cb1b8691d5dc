namespace Fleet.Core.Kubernetes;

/// <summary>App settings <c>Kubernetes__*</c>: how calls to registered clusters are bounded.</summary>
public sealed class KubernetesOptions
{
    /// <summary>Per-request timeout to the API server; past it the caller gets a 504.</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>Failures within <see cref="BreakerSamplingDuration"/> before the breaker can open.</summary>
    public int BreakerMinimumThroughput { get; set; } = 5;

    public double BreakerFailureRatio { get; set; } = 0.5;
    public TimeSpan BreakerSamplingDuration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long an open breaker turns calls into 503 (the Kubilitics seed says 30 s).</summary>
    public TimeSpan BreakerBreakDuration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Kubeconfigs larger than this (characters) go to a blob instead of the table row.</summary>
    public int InlineKubeconfigLimit { get; set; } = 30_000;

    /// <summary>
    /// <c>Clusters__KubeconfigDirectory</c>: the only folder a <c>kubeconfig_path</c> may name a file in (default the
    /// user's <c>~/.kube</c>), so that a caller cannot make the host read or probe other files.
    /// </summary>
    public string KubeconfigDirectory { get; set; } =
        Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".kube");
}
