using System.Text;
using System.Text.RegularExpressions;
using Fleet.Core.Kubernetes;
using Fleet.Core.Platform.Errors;
using k8s;
using k8s.Autorest;

namespace Fleet.Core.Kubilitics;

/// <summary>What a log request asks for, checked: the container resolved, tail and since parsed.</summary>
public sealed record LogRequest(string Namespace, string Pod, string Container, int TailLines, int? SinceSeconds);

/// <summary>An open follow stream of a pod's log; disposing it closes the stream and its client.</summary>
public sealed class LogFollow(IKubernetes client, Stream stream) : IAsyncDisposable
{
    public Stream Stream => stream;

    public async ValueTask DisposeAsync()
    {
        await stream.DisposeAsync();
        client.Dispose();
    }
}

/// <summary>Pod logs through the API server's <c>pods/log</c> subresource: a snapshot, or a follow stream.</summary>
public sealed partial class PodLogs(ClusterRegistry registry)
{
    public const int DefaultTail = 100, MaxTail = 100_000;

    /// <summary>Checks the query against the pod: a multi-container pod needs a container (400 naming them).</summary>
    public async Task<LogRequest> ResolveAsync(string clusterId, string ns, string pod, string? container, string? tail, string? since, CancellationToken ct)
    {
        KubeNames.Check(ns, "namespace");
        KubeNames.Check(pod, "pod");
        var tailLines = DefaultTail;
        if (!string.IsNullOrEmpty(tail) && (!int.TryParse(tail, out tailLines) || tailLines is < 0 or > MaxTail))
            throw FleetException.Validation("tail", $"Field 'tail' must be a number of lines from 0 to {MaxTail}");
        var sinceSeconds = string.IsNullOrEmpty(since) ? (int?)null : ParseDuration(since);
        var p = await registry.RunAsync(clusterId, (k, t) => k.CoreV1.ReadNamespacedPodAsync(pod, ns, cancellationToken: t), ct);
        var names = p.Spec.Containers.Select(c => c.Name).ToList();
        var all = names.Concat(p.Spec.InitContainers?.Select(c => c.Name) ?? []).ToList();
        string chosen;
        if (string.IsNullOrEmpty(container))
        {
            if (names.Count != 1)
                throw FleetException.Validation("container", $"Field 'container' is required for pod '{pod}', which has containers: {string.Join(", ", names)}");
            chosen = names[0];
        }
        else if (!all.Contains(container))
            throw FleetException.Validation("container", $"container '{container}' is not in pod '{pod}' (it has: {string.Join(", ", all)})");
        else chosen = container;
        return new LogRequest(ns, pod, chosen, tailLines, sinceSeconds);
    }

    public Task<string> ReadAsync(string clusterId, LogRequest r, CancellationToken ct) =>
        registry.RunAsync(clusterId, async (k, t) =>
        {
            await using var stream = await k.CoreV1.ReadNamespacedPodLogAsync(r.Pod, r.Namespace, container: r.Container,
                tailLines: r.TailLines, sinceSeconds: r.SinceSeconds, cancellationToken: t);
            using var reader = new StreamReader(stream, Encoding.UTF8);
            return await reader.ReadToEndAsync(t);
        }, ct);

    /// <summary>Opens <c>follow=true</c> on a client of its own (no request timeout: the stream lives as long as the container).</summary>
    public async Task<LogFollow> FollowAsync(string clusterId, LogRequest r, CancellationToken ct)
    {
        var client = await registry.StreamingClientAsync(clusterId, ct);
        try
        {
            var stream = await client.CoreV1.ReadNamespacedPodLogAsync(r.Pod, r.Namespace, container: r.Container, follow: true,
                tailLines: r.TailLines, sinceSeconds: r.SinceSeconds, cancellationToken: ct);
            return new LogFollow(client, stream);
        }
        catch (HttpOperationException e)
        {
            client.Dispose();
            throw ClusterCalls.Translate(e);
        }
        catch
        {
            client.Dispose();
            throw;
        }
    }

    /// <summary>Go-style durations as Kubilitics takes them: <c>30s</c>, <c>10m</c>, <c>1h</c>, <c>1h30m</c>.</summary>
    public static int ParseDuration(string value, string field = "since")
    {
        var m = DurationPattern().Match(value.Trim());
        if (!m.Success || value.Trim().Length == 0)
            throw FleetException.Validation(field, $"Field '{field}' must be a duration such as 30s, 10m or 1h");
        long Part(string g) => m.Groups[g].Success ? long.Parse(m.Groups[g].Value) : 0;
        var seconds = Part("h") * 3600 + Part("m") * 60 + Part("s");
        if (seconds is <= 0 or > int.MaxValue) throw FleetException.Validation(field, $"Field '{field}' must be a positive duration");
        return (int)seconds;
    }

    [GeneratedRegex(@"^(?:(?<h>\d{1,6})h)?(?:(?<m>\d{1,7})m)?(?:(?<s>\d{1,9})s)?$")]
    private static partial Regex DurationPattern();
}
