using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Fleet.Core.Kubernetes;
using Fleet.Core.Kubilitics;
using Fleet.Core.Platform.Errors;
using Fleet.Core.Platform.Time;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace Fleet.Core.Snap;

public sealed record NodeEnablement(string Name, string? KubeletVersion, bool FeatureGate, string FeatureGateSource, bool Labeled, string? Message);

public sealed record EnableResult(bool Success, string ClusterName, string ServerVersion, bool CheckpointingEnabled, string AgentNamespace,
    string AgentDaemonSet, IReadOnlyList<NodeEnablement> Nodes, string Message);

public sealed record NodeVerification(string Name, string? RuncVersion, bool CriuAvailable, string? CriuVersion, bool FeatureGate, bool Ready, string? Message);

public sealed record VerifyResult(bool Success, string ClusterName, bool CheckpointingEnabled, IReadOnlyList<NodeVerification> Nodes);

public sealed record NodeRuncResult(string Name, bool Success, string? PreviousVersion, string? RuncVersion, string? Error);

public sealed record NodeStatistics(string Name, int Checkpoints, int Failures, long Bytes, string TotalSize, string? LastSuccess);

public sealed record ClusterStatistics(string ClusterName, string ClusterId, int Checkpoints, int Completed, int Failures, long Bytes, string TotalSize,
    string? LastSuccess, IReadOnlyList<NodeStatistics> Nodes);

public sealed record StatisticsResult(bool Success, int TotalCheckpoints, long TotalBytes, string TotalSize, IReadOnlyList<ClusterStatistics> Clusters);

/// <summary>
/// Cluster enablement: what a cluster admin does to make checkpoints work, through the API server only — the agent
/// DaemonSet, each kubelet's <c>configz</c> (the <c>ContainerCheckpoint</c> feature gate, on by default from 1.30), the
/// node label <c>snap.io/checkpointing=enabled</c>, and the node's runc and criu seen by the agent (<c>nsenter</c> into the host).
/// </summary>
public sealed partial class SnapClusterService(ClusterRegistry registry, SnapAgent agent, SnapCheckpointService checkpoints)
{
    public const string NodeLabel = "snap.io/checkpointing";

    public async Task<IReadOnlyList<string>> NodeNamesAsync(string clusterId, IReadOnlyList<string>? wanted, CancellationToken ct)
    {
        var nodes = await registry.RunAsync(clusterId, (k, t) => k.CoreV1.ListNodeAsync(cancellationToken: t), ct);
        var names = nodes.Items.Select(n => n.Metadata.Name).ToList();
        if (wanted is null || wanted.Count == 0) return names;
        var missing = wanted.Where(w => !names.Contains(w)).ToList();
        if (missing.Count > 0) throw FleetException.Validation("node_names", $"no such node: {string.Join(", ", missing)}");
        return wanted.Distinct().ToList();
    }

    public async Task<EnableResult> EnableAsync(string clusterId, IReadOnlyList<string>? nodeNames, CancellationToken ct)
    {
        var cluster = await registry.GetAsync(clusterId, ct);
        var names = await NodeNamesAsync(clusterId, nodeNames, ct);
        var version = (await registry.RunAsync(clusterId, (k, t) => k.Version.GetCodeAsync(t), ct)).GitVersion;
        await agent.EnsureAsync(clusterId, ct);
        var nodes = new List<NodeEnablement>();
        foreach (var name in names)
        {
            var node = await registry.RunAsync(clusterId, (k, t) => k.CoreV1.ReadNodeAsync(name, cancellationToken: t), ct);
            var kubelet = node.Status?.NodeInfo?.KubeletVersion;
            var (gate, source) = await FeatureGateAsync(clusterId, name, kubelet, ct);
            var labeled = false;
            string? message = null;
            if (gate)
            {
                var patch = new V1Patch(new JsonObject { ["metadata"] = new JsonObject { ["labels"] = new JsonObject { [NodeLabel] = "enabled" } } }.ToJsonString(),
                    V1Patch.PatchType.MergePatch);
                await registry.RunAsync(clusterId, (k, t) => k.CoreV1.PatchNodeAsync(patch, name, cancellationToken: t), ct);
                labeled = true;
            }
            else message = "the kubelet's ContainerCheckpoint feature gate is off: set featureGates.ContainerCheckpoint=true in its configuration";
            nodes.Add(new NodeEnablement(name, kubelet, gate, source, labeled, message));
        }
        var enabled = nodes.All(n => n.FeatureGate);
        return new EnableResult(true, cluster.Name, version, enabled, agent.Namespace, SnapAgent.Name, nodes,
            enabled ? "Checkpointing enabled" : "Checkpointing is not available on every node");
    }

    /// <summary>The gate from the kubelet's own configuration (configz through the node proxy), else its version's default.</summary>
    private async Task<(bool On, string Source)> FeatureGateAsync(string clusterId, string node, string? kubeletVersion, CancellationToken ct)
    {
        try
        {
            var configz = await registry.ExecuteAsync(clusterId, (k, t) =>
                ((FleetKubernetes)k).SendJsonAsync(HttpMethod.Get, $"api/v1/nodes/{Uri.EscapeDataString(node)}/proxy/configz", null, null, t), ct);
            if (configz?["kubeletconfig"]?["featureGates"]?["ContainerCheckpoint"] is JsonValue v && v.TryGetValue<bool>(out var on))
                return (on, "configz");
        }
        catch (HttpOperationException) { }
        catch (System.Text.Json.JsonException) { }
        var m = kubeletVersion is null ? null : KubeletVersion().Match(kubeletVersion);
        var defaultOn = m is { Success: true } && (int.Parse(m.Groups[1].Value) > 1 || int.Parse(m.Groups[2].Value) >= 30);
        return (defaultOn, "default");
    }

    public async Task<VerifyResult> VerifyAsync(string clusterId, CancellationToken ct)
    {
        var cluster = await registry.GetAsync(clusterId, ct);
        await agent.EnsureAsync(clusterId, ct);
        var nodes = new List<NodeVerification>();
        foreach (var name in await NodeNamesAsync(clusterId, null, ct))
        {
            var node = await registry.RunAsync(clusterId, (k, t) => k.CoreV1.ReadNodeAsync(name, cancellationToken: t), ct);
            var ready = node.Status?.Conditions?.Any(c => c.Type == "Ready" && c.Status == "True") == true;
            var (gate, _) = await FeatureGateAsync(clusterId, name, node.Status?.NodeInfo?.KubeletVersion, ct);
            string? runc = null, criu = null, message = null;
            try
            {
                var pod = await agent.PodOnNodeAsync(clusterId, name, ct);
                // One exec for both tools: each prints its version or fails on its own.
                var r = await agent.HostExecAsync(clusterId, pod, ["sh", "-c", "runc --version; criu --version"], ct);
                var text = Encoding.UTF8.GetString(r.Stdout);
                runc = RuncVersion().Match(text) is { Success: true } rm ? rm.Groups[1].Value : null;
                criu = CriuVersion().Match(text) is { Success: true } cm ? cm.Groups[1].Value : null;
                if (runc is null) message = "runc not found on the node";
                else if (criu is null) message = "criu not found on the node";
            }
            catch (FleetException e) { message = e.Message; }
            if (!gate) message ??= "the kubelet's ContainerCheckpoint feature gate is off";
            nodes.Add(new NodeVerification(name, runc, criu is not null, criu, gate, ready, message));
        }
        return new VerifyResult(true, cluster.Name, nodes.Count > 0 && nodes.All(n => n.FeatureGate && n.RuncVersion is not null && n.CriuAvailable), nodes);
    }

    private async Task<string?> ToolVersionAsync(string clusterId, string pod, string[] argv, Regex pattern, CancellationToken ct)
    {
        var r = await agent.HostExecAsync(clusterId, pod, argv, ct);
        if (r.ExitCode != 0) return null;
        var m = pattern.Match(Encoding.UTF8.GetString(r.Stdout));
        return m.Success ? m.Groups[1].Value : null;
    }

    /// <summary>
    /// Installs runc <paramref name="version"/> from its GitHub release on one node through the agent (download, chmod,
    /// atomic rename over /usr/local/sbin/runc), then reads the version back. Idempotent: a node already there is left alone.
    /// </summary>
    public async Task<NodeRuncResult> InstallRuncAsync(string clusterId, string node, string version, CancellationToken ct)
    {
        CheckRuncVersion(version);
        try
        {
            var pod = await agent.PodOnNodeAsync(clusterId, node, ct);
            var before = await ToolVersionAsync(clusterId, pod, ["runc", "--version"], RuncVersion(), ct);
            if (before == version) return new NodeRuncResult(node, true, before, before, null);
            var n = await registry.RunAsync(clusterId, (k, t) => k.CoreV1.ReadNodeAsync(node, cancellationToken: t), ct);
            var arch = n.Status?.NodeInfo?.Architecture is "arm64" ? "arm64" : "amd64";
            var url = $"https://github.com/opencontainers/runc/releases/download/v{version}/runc.{arch}";
            var script = $"set -e && curl -fsSL -o /usr/local/sbin/runc.fleet-new {url} && chmod 755 /usr/local/sbin/runc.fleet-new"
                + " && mv /usr/local/sbin/runc.fleet-new /usr/local/sbin/runc && runc --version";
            var r = await agent.HostExecAsync(clusterId, pod, ["sh", "-c", script], ct);
            if (r.ExitCode != 0) return new NodeRuncResult(node, false, before, before, $"install failed (exit {r.ExitCode}): {r.Stderr.Trim()}");
            var after = RuncVersion().Match(Encoding.UTF8.GetString(r.Stdout)) is { Success: true } m ? m.Groups[1].Value : null;
            return after == version
                ? new NodeRuncResult(node, true, before, after, null)
                : new NodeRuncResult(node, false, before, after, $"runc reports {after ?? "nothing"} after the install");
        }
        catch (FleetException e) when (e.Kind != FleetErrorKind.Validation)
        {
            return new NodeRuncResult(node, false, null, null, e.Message);
        }
    }

    public static string CheckRuncVersion(string? version) =>
        version is not null && SemVer().IsMatch(version) ? version : throw FleetException.Validation("runc_version", "runc_version must look like 1.2.4");

    public async Task<StatisticsResult> StatisticsAsync(CancellationToken ct)
    {
        var all = await checkpoints.AllAsync(ct);
        var clusters = await registry.ListAsync(ct);
        var list = clusters.Select(c =>
        {
            var mine = all.Where(r => r.ClusterId == c.Id).ToList();
            var nodes = mine.GroupBy(r => r.NodeName).OrderBy(g => g.Key).Select(g => Node(g.Key, g.ToList())).ToList();
            var done = mine.Where(r => r.Status == SnapCheckpointStatus.Completed).ToList();
            var bytes = done.Sum(r => r.Size);
            return new ClusterStatistics(c.Name, c.Id, mine.Count, done.Count, mine.Count(r => r.Status == SnapCheckpointStatus.Failed), bytes,
                SnapInsightsService.HumanSize(bytes), done.Select(r => r.CompletedAt).OfType<string>().Max(), nodes);
        }).ToList();
        var total = list.Sum(c => c.Bytes);
        return new StatisticsResult(true, list.Sum(c => c.Checkpoints), total, SnapInsightsService.HumanSize(total), list);
    }

    private static NodeStatistics Node(string name, List<SnapCheckpointRecord> records)
    {
        var done = records.Where(r => r.Status == SnapCheckpointStatus.Completed).ToList();
        var bytes = done.Sum(r => r.Size);
        return new NodeStatistics(name, records.Count, records.Count(r => r.Status == SnapCheckpointStatus.Failed), bytes,
            SnapInsightsService.HumanSize(bytes), done.Select(r => r.CompletedAt).OfType<string>().Max());
    }

    [GeneratedRegex(@"^v(\d+)\.(\d+)")]
    private static partial Regex KubeletVersion();

    [GeneratedRegex(@"runc version (\S+)")]
    private static partial Regex RuncVersion();

    [GeneratedRegex(@"Version:\s*(\S+)")]
    private static partial Regex CriuVersion();

    [GeneratedRegex(@"^\d{1,3}\.\d{1,3}\.\d{1,3}$")]
    private static partial Regex SemVer();
}
