using System.Text;
using Fleet.Core.Platform.Errors;
using k8s;
using k8s.KubeConfigModels;

namespace Fleet.Core.Kubernetes;

/// <summary>Reads kubeconfigs with KubernetesClient and turns their problems into 400s that name them.</summary>
public static class KubeconfigParser
{
    public static string DecodeBase64(string value, string field)
    {
        try
        {
            return Encoding.UTF8.GetString(Convert.FromBase64String(value.Trim()));
        }
        catch (FormatException)
        {
            throw FleetException.Validation(field, $"'{field}' is not valid base64");
        }
    }

    /// <summary>
    /// The kubeconfig at <paramref name="path"/> if it is a readable file inside <paramref name="directory"/> (links
    /// resolved). Outside the folder, missing or unreadable all get one answer, so the error reveals nothing about
    /// other paths on the host.
    /// </summary>
    public static string ReadPath(string path, string directory, string field = "kubeconfig_path")
    {
        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        static string Expand(string p, string home) => p == "~" ? home : p.StartsWith("~/", StringComparison.Ordinal) ? Path.Combine(home, p[2..]) : p;
        var root = Path.TrimEndingDirectorySeparator(Path.GetFullPath(Expand(directory, home))) + Path.DirectorySeparatorChar;
        var refused = FleetException.Validation(field, $"'{field}' must name a readable kubeconfig file inside the configured folder (Clusters__KubeconfigDirectory)");
        if (path.Length > 4096 || path.Any(char.IsControl)) throw refused;
        try
        {
            var full = Path.GetFullPath(Expand(path, home), root);
            if (!full.StartsWith(root, StringComparison.Ordinal) || !File.Exists(full)) throw refused;
            var target = new FileInfo(full).ResolveLinkTarget(true)?.FullName ?? full;
            if (!target.StartsWith(root, StringComparison.Ordinal)) throw refused;
            return File.ReadAllText(target);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            throw refused;
        }
    }

    public static K8SConfiguration Parse(string yaml, string field)
    {
        K8SConfiguration config;
        try
        {
            using var stream = new MemoryStream(Encoding.UTF8.GetBytes(yaml));
            config = KubernetesClientConfiguration.LoadKubeConfig(stream);
        }
        catch (Exception e) when (e is not FleetException)
        {
            throw FleetException.Validation(field, $"'{field}' is not a valid kubeconfig: {FirstLine(e.Message)}");
        }
        if (config?.Contexts is null || !config.Contexts.Any())
            throw FleetException.Validation(field, $"'{field}' has no contexts");
        return config;
    }

    /// <summary>The context to use: the one asked for (which must exist) or the kubeconfig's current one.</summary>
    public static string ChooseContext(K8SConfiguration config, string? requested)
    {
        if (!string.IsNullOrWhiteSpace(requested))
        {
            if (config.Contexts.All(c => c.Name != requested))
                throw FleetException.Validation("context",
                    $"context '{requested}' is not in the kubeconfig (it has: {string.Join(", ", config.Contexts.Select(c => c.Name))})");
            return requested;
        }
        if (!string.IsNullOrEmpty(config.CurrentContext)) return config.CurrentContext;
        return config.Contexts.First().Name;
    }

    public static string ServerOf(K8SConfiguration config, string context)
    {
        var ctx = config.Contexts.First(c => c.Name == context);
        var cluster = config.Clusters?.FirstOrDefault(c => c.Name == ctx.ContextDetails?.Cluster);
        return cluster?.ClusterEndpoint?.Server
               ?? throw FleetException.Validation("context", $"context '{context}' names cluster '{ctx.ContextDetails?.Cluster}', which the kubeconfig does not define");
    }

    public static KubernetesClientConfiguration ClientConfiguration(K8SConfiguration config, string context, TimeSpan timeout)
    {
        try
        {
            var c = KubernetesClientConfiguration.BuildConfigFromConfigObject(config, context);
            c.HttpClientTimeout = timeout;
            return c;
        }
        catch (Exception e)
        {
            throw FleetException.Validation("kubeconfig", $"kubeconfig context '{context}' cannot be used: {FirstLine(e.Message)}");
        }
    }

    private static string FirstLine(string s) => s.Split('\n')[0].Trim();
}
