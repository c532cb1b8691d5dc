using System.Collections.Concurrent;
using System.Text;
using System.Text.Json.Nodes;

namespace Fleet.KubeEmulator.Kubelet;

/// <summary>
/// What the kubelets of the emulated nodes know beyond the API objects: container logs, files seen
/// inside containers, each node's own file system (where checkpoints land), kubelet configuration
/// and resource usage. Tests seed it directly.
/// </summary>
public sealed class KubeletSimulator
{
    private readonly ConcurrentDictionary<string, List<(DateTimeOffset At, string Line)>> _logs = new();
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<string, byte[]>> _podFiles = new();
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<string, byte[]>> _nodeFiles = new();
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<string, bool>> _featureGates = new();
    private readonly ConcurrentDictionary<string, (string Cpu, string Memory)> _nodeMetrics = new();
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<string, (string Cpu, string Memory)>> _podMetrics = new();

    public KubeletSimulator(string? checkpointFixturePath) => CheckpointFixturePath = checkpointFixturePath;

    /// <summary>The archive whose bytes a checkpoint writes; null when no fixture was found.</summary>
    public string? CheckpointFixturePath { get; set; }

    // ---- logs ----

    /// <summary>Replaces a pod's log. With no container the text is the log of every container of the pod.</summary>
    public void SetPodLog(string ns, string pod, string text, string? container = null)
    {
        var now = DateTimeOffset.UtcNow;
        _logs[LogKey(ns, pod, container)] = SplitLines(text).Select(l => (now, l)).ToList();
    }

    /// <summary>Appends lines; <c>follow=true</c> readers receive them as they arrive.</summary>
    public void AppendPodLog(string ns, string pod, string text, string? container = null)
    {
        var list = _logs.GetOrAdd(LogKey(ns, pod, container), _ => []);
        var now = DateTimeOffset.UtcNow;
        lock (list) list.AddRange(SplitLines(text).Select(l => (now, l)));
    }

    /// <summary>Appends lines written at a given time (for <c>sinceSeconds</c>).</summary>
    public void AppendPodLogAt(string ns, string pod, DateTimeOffset at, string text, string? container = null)
    {
        var list = _logs.GetOrAdd(LogKey(ns, pod, container), _ => []);
        lock (list) list.AddRange(SplitLines(text).Select(l => (at, l)));
    }

    public IReadOnlyList<(DateTimeOffset At, string Line)> GetPodLog(string ns, string pod, string container)
    {
        if (!_logs.TryGetValue(LogKey(ns, pod, container), out var list) && !_logs.TryGetValue(LogKey(ns, pod, null), out list))
            return [];
        lock (list) return list.ToList();
    }

    private static string LogKey(string ns, string pod, string? container) => $"{ns}/{pod}/{container ?? ""}";

    private static IEnumerable<string> SplitLines(string text)
    {
        if (text.Length == 0) return [];
        var lines = text.Replace("\r\n", "\n").Split('\n');
        return text.EndsWith('\n') ? lines[..^1] : lines;
    }

    // ---- files ----

    /// <summary>Files a pod's containers see, by absolute path (what exec <c>cat</c> and <c>ls</c> read).</summary>
    public void SetPodFiles(string ns, string pod, IDictionary<string, byte[]> files)
    {
        var map = new ConcurrentDictionary<string, byte[]>(files);
        _podFiles[$"{ns}/{pod}"] = map;
    }

    public void SetPodFile(string ns, string pod, string path, string content) =>
        SetPodFile(ns, pod, path, Encoding.UTF8.GetBytes(content));

    public void SetPodFile(string ns, string pod, string path, byte[] content) =>
        _podFiles.GetOrAdd($"{ns}/{pod}", _ => new())[path] = content;

    public IReadOnlyDictionary<string, byte[]> PodFiles(string ns, string pod) =>
        _podFiles.TryGetValue($"{ns}/{pod}", out var m) ? m : new Dictionary<string, byte[]>();

    /// <summary>A node's host file system, visible to pods through hostPath volumes.</summary>
    public void SetNodeFile(string node, string path, byte[] content) =>
        _nodeFiles.GetOrAdd(node, _ => new())[path] = content;

    public byte[]? GetNodeFile(string node, string path) =>
        _nodeFiles.TryGetValue(node, out var m) && m.TryGetValue(path, out var b) ? b : null;

    public IReadOnlyDictionary<string, byte[]> NodeFiles(string node) =>
        _nodeFiles.TryGetValue(node, out var m) ? m : new Dictionary<string, byte[]>();

    // ---- kubelet configuration ----

    /// <summary>Turns a kubelet feature gate on or off (ContainerCheckpoint is on by default, as from 1.30).</summary>
    public void SetFeatureGate(string node, string gate, bool enabled) =>
        _featureGates.GetOrAdd(node, _ => new())[gate] = enabled;

    public bool FeatureGate(string node, string gate) =>
        _featureGates.TryGetValue(node, out var g) && g.TryGetValue(gate, out var on) ? on : gate == "ContainerCheckpoint";

    public JsonObject Configz(string node)
    {
        var gates = new JsonObject { ["ContainerCheckpoint"] = FeatureGate(node, "ContainerCheckpoint") };
        if (_featureGates.TryGetValue(node, out var g))
            foreach (var (k, v) in g) gates[k] = v;
        return new JsonObject
        {
            ["kubeletconfig"] = new JsonObject
            {
                ["enableServer"] = true,
                ["staticPodPath"] = "/etc/kubernetes/manifests",
                ["syncFrequency"] = "1m0s",
                ["authentication"] = new JsonObject { ["webhook"] = new JsonObject { ["enabled"] = true }, ["anonymous"] = new JsonObject { ["enabled"] = false } },
                ["authorization"] = new JsonObject { ["mode"] = "Webhook" },
                ["clusterDomain"] = "cluster.local",
                ["clusterDNS"] = new JsonArray("10.96.0.10"),
                ["cgroupDriver"] = "systemd",
                ["containerRuntimeEndpoint"] = "unix:///run/containerd/containerd.sock",
                ["maxPods"] = 110,
                ["featureGates"] = gates,
            },
        };
    }

    // ---- the node's host tools (what a privileged pod reaches with nsenter into the host's namespaces) ----

    private readonly ConcurrentDictionary<string, ConcurrentDictionary<string, string?>> _hostTools = new();

    /// <summary>Sets the version of a host tool (<c>runc</c>, <c>criu</c>) on a node; null removes it. Defaults: runc 1.1.12, criu 4.2.1.</summary>
    public void SetHostTool(string node, string tool, string? version) => _hostTools.GetOrAdd(node, _ => new())[tool] = version;

    public string? HostTool(string node, string tool) =>
        _hostTools.TryGetValue(node, out var t) && t.TryGetValue(tool, out var v) ? v : tool switch { "runc" => "1.1.12", "criu" => "4.2.1", _ => null };

    // ---- metrics ----

    public void SetNodeMetrics(string node, string cpu, string memory) => _nodeMetrics[node] = (cpu, memory);

    public void SetPodMetrics(string ns, string pod, string container, string cpu, string memory) =>
        _podMetrics.GetOrAdd($"{ns}/{pod}", _ => new())[container] = (cpu, memory);

    public (string Cpu, string Memory)? NodeMetrics(string node) =>
        _nodeMetrics.TryGetValue(node, out var m) ? m : null;

    public (string Cpu, string Memory)? PodMetrics(string ns, string pod, string container) =>
        _podMetrics.TryGetValue($"{ns}/{pod}", out var m) && m.TryGetValue(container, out var c) ? c : null;

    internal void ForgetPod(string ns, string pod)
    {
        _podFiles.TryRemove($"{ns}/{pod}", out _);
        _podMetrics.TryRemove($"{ns}/{pod}", out _);
        foreach (var k in _logs.Keys.Where(k => k.StartsWith($"{ns}/{pod}/", StringComparison.Ordinal))) _logs.TryRemove(k, out _);
    }
}
