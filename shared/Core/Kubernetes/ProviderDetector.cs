namespace Fleet.Core.Kubernetes;

/// <summary>Guesses where a cluster runs from its server URL, version string and node labels.</summary>
public static class ProviderDetector
{
    public static string Detect(string serverUrl, string? context, string? gitVersion, IEnumerable<IDictionary<string, string>>? nodeLabels, IEnumerable<string>? providerIds = null)
    {
        var url = serverUrl.ToLowerInvariant();
        var version = gitVersion?.ToLowerInvariant() ?? "";
        var labels = nodeLabels?.SelectMany(l => l).ToList() ?? [];
        bool Label(string prefix) => labels.Any(l => l.Key.StartsWith(prefix, StringComparison.OrdinalIgnoreCase));
        var ids = providerIds?.Select(p => p.ToLowerInvariant()).ToList() ?? [];
        var ctx = context?.ToLowerInvariant() ?? "";

        if (url.Contains(".eks.amazonaws.com") || version.Contains("-eks-") || Label("eks.amazonaws.com/")) return "eks";
        if (url.Contains("azmk8s.io") || Label("kubernetes.azure.com/")) return "aks";
        if (version.Contains("-gke.") || Label("cloud.google.com/gke-")) return "gke";
        if (version.Contains("+k3s") || Label("k3s.io/") || Label("node.k3s.io/")) return "k3s";
        if (ids.Any(p => p.StartsWith("kind://")) || ctx.StartsWith("kind-")) return "kind";
        if (Label("minikube.k8s.io/") || ctx == "minikube") return "minikube";
        if (url.Contains("kubernetes.docker.internal") || ctx == "docker-desktop") return "docker-desktop";
        return "other";
    }
}
