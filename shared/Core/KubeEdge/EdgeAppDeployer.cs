using Fleet.Core.Platform.Errors;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Options;

namespace Fleet.Core.KubeEdge;

public sealed record AppDeployRequest(string? Name, string? Image, int? Replicas, IReadOnlyList<string>? Nodes = null,
    Dictionary<string, string>? NodeSelector = null);

/// <summary>What the rollout orchestration needs once the Deployment exists.</summary>
public sealed record AppRolloutWork(string ClusterId, string Namespace, string Name, int Replicas);

public sealed record AppNodeReadiness(string Node, bool Ready, int Pods, int ReadyPods);

public sealed record AppRolloutStatus(string Status, string Name, string Namespace, int Replicas, int ReadyReplicas,
    IReadOnlyList<AppNodeReadiness> Nodes);

/// <summary>
/// Deploys an app to edge nodes as a Deployment: by default onto every node labelled <see cref="EdgeLabel"/>; named nodes add a
/// required hostname affinity and a spread across them; a given node_selector replaces the default one.
/// </summary>
public sealed class EdgeAppDeployer(KubeEdgeScope scope, IOptions<KubeEdgeOptions> options)
{
    public const string EdgeLabel = "node-role.kubernetes.io/edge";
    public const string AppLabel = "fleet.kubeedge.io/app";
    public const string HostnameLabel = "kubernetes.io/hostname";

    /// <summary>Checks everything before the cluster is touched, so a bad request creates nothing.</summary>
    public static AppDeployRequest Validate(AppDeployRequest? body)
    {
        if (body is null) throw FleetException.Validation("name", "a JSON body with name, image and replicas is required");
        var name = KubeEdgeValidation.Label(body.Name, "name");
        if (string.IsNullOrWhiteSpace(body.Image) || body.Image.Any(char.IsWhiteSpace))
            throw FleetException.Validation("image", "image is required and must not contain whitespace");
        var replicas = KubeEdgeValidation.Range(body.Replicas ?? 1, 1, 100, "replicas");
        if (body.Nodes is { Count: > 0 } && body.NodeSelector is { Count: > 0 })
            throw FleetException.Validation("nodes", "give either nodes or node_selector, not both");
        var nodes = body.Nodes?.Select((n, i) => KubeEdgeValidation.Label(n, $"nodes[{i}]")).Distinct().ToList();
        if (body.NodeSelector is { } sel)
            foreach (var (k, v) in sel)
                if (string.IsNullOrWhiteSpace(k) || k.Length > 253 || v is null || v.Length > 63)
                    throw FleetException.Validation("node_selector", "node_selector keys must be non-empty label keys and values label values");
        return new AppDeployRequest(name, body.Image, replicas, nodes, body.NodeSelector);
    }

    public async Task<AppRolloutWork> CreateAsync(AppDeployRequest valid, CancellationToken ct)
    {
        var ns = string.IsNullOrWhiteSpace(options.Value.AppNamespace) ? "default" : options.Value.AppNamespace;
        var clusterId = await scope.ClusterIdAsync(ct);
        await scope.ExecuteAsync(clusterId, async (k, t) =>
        {
            try { return await k.AppsV1.CreateNamespacedDeploymentAsync(Deployment(valid, ns), ns, cancellationToken: t); }
            catch (Exception e) when (KubeEdgeScope.IsStatus(e, 409))
            {
                throw FleetException.Conflict($"app '{valid.Name}' already exists in namespace '{ns}'");
            }
        }, ct);
        return new AppRolloutWork(clusterId, ns, valid.Name!, valid.Replicas!.Value);
    }

    /// <summary>The Deployment's ready count and, per node its pods run on, whether all of them are ready.</summary>
    public Task<AppRolloutStatus> ReadAsync(AppRolloutWork work, CancellationToken ct) => scope.ExecuteAsync(work.ClusterId, async (k, t) =>
    {
        var d = await k.AppsV1.ReadNamespacedDeploymentAsync(work.Name, work.Namespace, cancellationToken: t);
        var pods = await k.CoreV1.ListNamespacedPodAsync(work.Namespace, labelSelector: $"{AppLabel}={work.Name}", cancellationToken: t);
        var nodes = pods.Items.Where(p => !string.IsNullOrEmpty(p.Spec?.NodeName))
            .GroupBy(p => p.Spec.NodeName)
            .Select(g =>
            {
                var ready = g.Count(IsReady);
                return new AppNodeReadiness(g.Key, ready == g.Count(), g.Count(), ready);
            })
            .OrderBy(n => n.Node, StringComparer.Ordinal).ToList();
        var readyReplicas = d.Status?.ReadyReplicas ?? 0;
        var done = readyReplicas >= work.Replicas && (d.Status?.UpdatedReplicas ?? 0) >= work.Replicas;
        return new AppRolloutStatus(done ? "ready" : "progressing", work.Name, work.Namespace, work.Replicas, readyReplicas, nodes);
    }, ct);

    private static bool IsReady(V1Pod p) =>
        p.Status?.Phase == "Running" && (p.Status.Conditions ?? []).Any(c => c.Type == "Ready" && c.Status == "True");

    private static V1Deployment Deployment(AppDeployRequest r, string ns)
    {
        var labels = new Dictionary<string, string> { [AppLabel] = r.Name!, ["app.kubernetes.io/managed-by"] = "fleet-kubeedge" };
        var spec = new V1PodSpec
        {
            NodeSelector = r.NodeSelector is { Count: > 0 } sel ? new Dictionary<string, string>(sel) : new Dictionary<string, string> { [EdgeLabel] = "" },
            // Edge nodes carry the unreachable/edge taints in many setups; the app is meant to run there.
            Tolerations = [new V1Toleration { Key = EdgeLabel, OperatorProperty = "Exists", Effect = "NoSchedule" }],
            Containers = [new V1Container { Name = r.Name, Image = r.Image }],
        };
        if (r.Nodes is { Count: > 0 } nodes)
        {
            spec.Affinity = new V1Affinity
            {
                NodeAffinity = new V1NodeAffinity
                {
                    RequiredDuringSchedulingIgnoredDuringExecution = new V1NodeSelector
                    {
                        NodeSelectorTerms = [new V1NodeSelectorTerm { MatchExpressions = [new V1NodeSelectorRequirement { Key = HostnameLabel, OperatorProperty = "In", Values = nodes.ToList() }] }],
                    },
                },
            };
            // Spread replicas over the named nodes rather than stacking them on the first that fits.
            spec.TopologySpreadConstraints =
            [
                new V1TopologySpreadConstraint
                {
                    MaxSkew = 1, TopologyKey = HostnameLabel, WhenUnsatisfiable = "ScheduleAnyway",
                    LabelSelector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { [AppLabel] = r.Name! } },
                },
            ];
        }
        return new V1Deployment
        {
            Metadata = new V1ObjectMeta { Name = r.Name, NamespaceProperty = ns, Labels = labels },
            Spec = new V1DeploymentSpec
            {
                Replicas = r.Replicas,
                Selector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { [AppLabel] = r.Name! } },
                Template = new V1PodTemplateSpec { Metadata = new V1ObjectMeta { Labels = labels }, Spec = spec },
            },
        };
    }
}
