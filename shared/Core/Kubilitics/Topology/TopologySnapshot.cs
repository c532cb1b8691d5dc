using System.Text.Json.Nodes;

namespace Fleet.Core.Kubilitics.Topology;

/// <summary>The kinds a topology is made of, in the order nodes are listed.</summary>
public static class TopologyKinds
{
    public static readonly ApiResource[] All =
    [
        new("networking.k8s.io", "v1", "ingresses", "ingress", "Ingress", true, [], ["list", "watch"]),
        new("", "v1", "services", "service", "Service", true, [], ["list", "watch"]),
        new("autoscaling", "v2", "horizontalpodautoscalers", "horizontalpodautoscaler", "HorizontalPodAutoscaler", true, [], ["list", "watch"]),
        new("batch", "v1", "cronjobs", "cronjob", "CronJob", true, [], ["list", "watch"]),
        new("apps", "v1", "deployments", "deployment", "Deployment", true, [], ["list", "watch"]),
        new("apps", "v1", "statefulsets", "statefulset", "StatefulSet", true, [], ["list", "watch"]),
        new("apps", "v1", "daemonsets", "daemonset", "DaemonSet", true, [], ["list", "watch"]),
        new("apps", "v1", "replicasets", "replicaset", "ReplicaSet", true, [], ["list", "watch"]),
        new("batch", "v1", "jobs", "job", "Job", true, [], ["list", "watch"]),
        new("", "v1", "pods", "pod", "Pod", true, [], ["list", "watch"]),
        new("networking.k8s.io", "v1", "networkpolicies", "networkpolicy", "NetworkPolicy", true, [], ["list", "watch"]),
        new("policy", "v1", "poddisruptionbudgets", "poddisruptionbudget", "PodDisruptionBudget", true, [], ["list", "watch"]),
        new("", "v1", "configmaps", "configmap", "ConfigMap", true, [], ["list", "watch"]),
        new("", "v1", "secrets", "secret", "Secret", true, [], ["list", "watch"]),
        new("", "v1", "persistentvolumeclaims", "persistentvolumeclaim", "PersistentVolumeClaim", true, [], ["list", "watch"]),
        new("", "v1", "serviceaccounts", "serviceaccount", "ServiceAccount", true, [], ["list", "watch"]),
        new("rbac.authorization.k8s.io", "v1", "rolebindings", "rolebinding", "RoleBinding", true, [], ["list", "watch"]),
        new("rbac.authorization.k8s.io", "v1", "roles", "role", "Role", true, [], ["list", "watch"]),
        new("rbac.authorization.k8s.io", "v1", "clusterrolebindings", "clusterrolebinding", "ClusterRoleBinding", false, [], ["list", "watch"]),
        new("rbac.authorization.k8s.io", "v1", "clusterroles", "clusterrole", "ClusterRole", false, [], ["list", "watch"]),
        new("", "v1", "persistentvolumes", "persistentvolume", "PersistentVolume", false, [], ["list", "watch"]),
        new("storage.k8s.io", "v1", "storageclasses", "storageclass", "StorageClass", false, [], ["list", "watch"]),
        new("", "v1", "nodes", "node", "Node", false, [], ["list", "watch"]),
    ];

    public static int Order(string kind)
    {
        for (var i = 0; i < All.Length; i++) if (All[i].Kind == kind) return i;
        return All.Length;
    }

    /// <summary>Cluster-scoped kinds that join a namespace's graph only when something in it refers to them.</summary>
    public static bool OnlyWhenReferenced(string kind, bool namespaced) =>
        kind == "ClusterRole" || (namespaced && kind is "Node" or "PersistentVolume" or "StorageClass");
}

/// <summary>The objects a graph is built from: per kind, with the list's resourceVersion (where a watch resumes).</summary>
public sealed class TopologySnapshot
{
    public Dictionary<string, List<JsonObject>> Objects { get; } = new();
    public Dictionary<string, string?> ResourceVersions { get; } = new();

    public IReadOnlyList<JsonObject> Of(string kind) => Objects.TryGetValue(kind, out var l) ? l : [];
}
