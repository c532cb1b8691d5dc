using Fleet.Core.Platform.Time;
using k8s;
using k8s.Models;

namespace Fleet.Core.KubeEdge;

public sealed record CloudCoreDeployment(string Status, string DeploymentName, string Namespace, string Version, int Replicas, string CreatedAt);
public sealed record CloudCorePod(string Name, string Ready, int Restarts, string? Phase, string? NodeName);
public sealed record CloudCoreServicePort(string? Name, int Port, int? NodePort, string? Protocol);
public sealed record CloudCoreService(string Name, string? Type, IReadOnlyList<CloudCoreServicePort> Ports);
public sealed record CloudCoreStatus(string Status, string? Version, int? Replicas, int? ReadyReplicas,
    IReadOnlyList<CloudCorePod> Pods, IReadOnlyList<CloudCoreService> Services);

/// <summary>
/// Creates or updates CloudCore the way keadm init lays it out: namespace kubeedge, a ServiceAccount bound to a
/// ClusterRole, Deployment <c>cloudcore</c>, and a NodePort Service exposing CloudHub (10000, 10002), CloudStream (10003) and the tunnel (10004).
/// </summary>
public sealed class CloudCoreDeployer(KubeEdgeScope scope)
{
    public const string Namespace = "kubeedge";
    public const string Name = "cloudcore";
    private static readonly Dictionary<string, string> Labels = new() { ["k8s-app"] = "kubeedge", ["kubeedge"] = "cloudcore" };

    public async Task<CloudCoreDeployment> DeployAsync(string version, int replicas, CancellationToken ct)
    {
        version = KubeEdgeValidation.KubeEdgeVersion(version, "version");
        KubeEdgeValidation.Range(replicas, 1, 10, "replicas");
        return await scope.ExecuteAsync(async (k, t) =>
        {
            await CreateIfAbsent(() => k.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new() { Name = Namespace } }, cancellationToken: t));
            await CreateIfAbsent(() => k.CoreV1.CreateNamespacedServiceAccountAsync(new V1ServiceAccount { Metadata = Meta() }, Namespace, cancellationToken: t));
            await CreateIfAbsent(() => k.RbacAuthorizationV1.CreateClusterRoleAsync(Role(), cancellationToken: t));
            await CreateIfAbsent(() => k.RbacAuthorizationV1.CreateClusterRoleBindingAsync(Binding(), cancellationToken: t));
            await CreateIfAbsent(() => k.CoreV1.CreateNamespacedServiceAsync(Service(), Namespace, cancellationToken: t));
            V1Deployment d;
            try
            {
                d = await k.AppsV1.CreateNamespacedDeploymentAsync(Deployment(version, replicas), Namespace, cancellationToken: t);
            }
            catch (Exception e) when (KubeEdgeScope.IsStatus(e, 409))
            {
                // An update changes only what the request names: image and replicas.
                var patch = new V1Patch(new
                {
                    spec = new
                    {
                        replicas,
                        template = new { spec = new { containers = new[] { new { name = Name, image = Image(version) } } } },
                    },
                }, V1Patch.PatchType.StrategicMergePatch);
                d = await k.AppsV1.PatchNamespacedDeploymentAsync(patch, Name, Namespace, cancellationToken: t);
            }
            var created = d.Metadata.CreationTimestamp is { } c ? new DateTimeOffset(DateTime.SpecifyKind(c, DateTimeKind.Utc)) : DateTimeOffset.UtcNow;
            return new CloudCoreDeployment("success", Name, Namespace, version, replicas, FleetTime.Format(created));
        }, ct);
    }

    public async Task<CloudCoreStatus> StatusAsync(CancellationToken ct) => await scope.ExecuteAsync(async (k, t) =>
    {
        V1Deployment? d = null;
        try { d = await k.AppsV1.ReadNamespacedDeploymentAsync(Name, Namespace, cancellationToken: t); }
        catch (Exception e) when (KubeEdgeScope.IsStatus(e, 404)) { }
        if (d is null) return new CloudCoreStatus("not_deployed", null, null, null, [], []);

        var pods = await k.CoreV1.ListNamespacedPodAsync(Namespace, labelSelector: "kubeedge=cloudcore", cancellationToken: t);
        var services = await k.CoreV1.ListNamespacedServiceAsync(Namespace, cancellationToken: t);
        var ready = d.Status?.ReadyReplicas ?? 0;
        var image = d.Spec.Template.Spec.Containers.FirstOrDefault()?.Image;
        var status = ready >= (d.Spec.Replicas ?? 1) && ready > 0 ? "running" : "pending";
        return new CloudCoreStatus(status, image?.Split(":v").LastOrDefault(), d.Spec.Replicas, ready,
            pods.Items.Select(p =>
            {
                var cs = p.Status?.ContainerStatuses ?? [];
                return new CloudCorePod(p.Metadata.Name, $"{cs.Count(s => s.Ready)}/{p.Spec.Containers.Count}",
                    cs.Sum(s => s.RestartCount), p.Status?.Phase, p.Spec.NodeName);
            }).ToList(),
            services.Items.Where(s => s.Metadata.Name == Name).Select(s => new CloudCoreService(s.Metadata.Name, s.Spec.Type,
                (s.Spec.Ports ?? []).Select(p => new CloudCoreServicePort(p.Name, p.Port, p.NodePort, p.Protocol)).ToList())).ToList());
    }, ct);

    private static string Image(string version) => $"kubeedge/cloudcore:v{version}";
    private static V1ObjectMeta Meta() => new() { Name = Name, NamespaceProperty = Namespace, Labels = Labels };

    private static async Task CreateIfAbsent<T>(Func<Task<T>> create)
    {
        try { await create(); }
        catch (Exception e) when (KubeEdgeScope.IsStatus(e, 409)) { }
    }

    private static V1ClusterRole Role() => new()
    {
        Metadata = new() { Name = Name, Labels = Labels },
        Rules =
        [
            new() { ApiGroups = [""], Resources = ["nodes", "nodes/status", "pods", "pods/status", "configmaps", "secrets", "services", "endpoints", "events", "namespaces", "persistentvolumes", "persistentvolumeclaims"], Verbs = ["get", "list", "watch", "create", "update", "patch", "delete"] },
            new() { ApiGroups = ["devices.kubeedge.io"], Resources = ["devices", "devices/status", "devicemodels"], Verbs = ["get", "list", "watch", "create", "update", "patch", "delete"] },
            new() { ApiGroups = ["coordination.k8s.io"], Resources = ["leases"], Verbs = ["get", "list", "watch", "create", "update", "patch", "delete"] },
            new() { ApiGroups = ["apps"], Resources = ["deployments", "daemonsets"], Verbs = ["get", "list", "watch"] },
        ],
    };

    private static V1ClusterRoleBinding Binding() => new()
    {
        Metadata = new() { Name = Name, Labels = Labels },
        RoleRef = new V1RoleRef { ApiGroup = "rbac.authorization.k8s.io", Kind = "ClusterRole", Name = Name },
        Subjects = [new Rbacv1Subject { Kind = "ServiceAccount", Name = Name, NamespaceProperty = Namespace }],
    };

    private static V1Service Service() => new()
    {
        Metadata = Meta(),
        Spec = new V1ServiceSpec
        {
            Type = "NodePort",
            Selector = Labels,
            Ports =
            [
                new() { Name = "cloudhub", Port = 10000, TargetPort = 10000, Protocol = "TCP" },
                new() { Name = "cloudhub-https", Port = 10002, TargetPort = 10002, Protocol = "TCP" },
                new() { Name = "cloudstream", Port = 10003, TargetPort = 10003, Protocol = "TCP" },
                new() { Name = "tunnelport", Port = 10004, TargetPort = 10004, Protocol = "TCP" },
            ],
        },
    };

    private static V1Deployment Deployment(string version, int replicas) => new()
    {
        Metadata = Meta(),
        Spec = new V1DeploymentSpec
        {
            Replicas = replicas,
            Selector = new V1LabelSelector { MatchLabels = Labels },
            Template = new V1PodTemplateSpec
            {
                Metadata = new V1ObjectMeta { Labels = Labels },
                Spec = new V1PodSpec
                {
                    ServiceAccountName = Name,
                    HostNetwork = true,
                    Containers =
                    [
                        new V1Container
                        {
                            Name = Name,
                            Image = Image(version),
                            Ports = [new() { ContainerPort = 10000 }, new() { ContainerPort = 10002 }, new() { ContainerPort = 10003 }, new() { ContainerPort = 10004 }],
                        },
                    ],
                },
            },
        },
    };
}
