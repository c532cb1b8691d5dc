namespace Fleet.KubeEmulator.Discovery;

/// <summary>The built-in resources of a v1.31 API server that Fleet's families use.</summary>
public static class BuiltInResources
{
    private static readonly string[] Status = ["status"];
    private static readonly string[] None = [];

    public static readonly ResourceType[] All =
    [
        new("", "v1", "namespaces", "namespace", "Namespace", false, ["ns"], ["status", "finalize"]),
        new("", "v1", "pods", "pod", "Pod", true, ["po"], ["status", "log", "exec", "binding", "eviction"], Categories: ["all"]),
        new("", "v1", "services", "service", "Service", true, ["svc"], Status, Categories: ["all"]),
        new("", "v1", "endpoints", "endpoints", "Endpoints", true, ["ep"], None),
        new("", "v1", "configmaps", "configmap", "ConfigMap", true, ["cm"], None),
        new("", "v1", "secrets", "secret", "Secret", true, None, None),
        new("", "v1", "serviceaccounts", "serviceaccount", "ServiceAccount", true, ["sa"], None),
        new("", "v1", "nodes", "node", "Node", false, ["no"], ["status", "proxy"]),
        new("", "v1", "events", "event", "Event", true, ["ev"], None),
        new("", "v1", "persistentvolumes", "persistentvolume", "PersistentVolume", false, ["pv"], Status),
        new("", "v1", "persistentvolumeclaims", "persistentvolumeclaim", "PersistentVolumeClaim", true, ["pvc"], Status),
        new("", "v1", "replicationcontrollers", "replicationcontroller", "ReplicationController", true, ["rc"], ["status", "scale"], Categories: ["all"]),
        new("apps", "v1", "deployments", "deployment", "Deployment", true, ["deploy"], ["status", "scale"], Categories: ["all"]),
        new("apps", "v1", "replicasets", "replicaset", "ReplicaSet", true, ["rs"], ["status", "scale"], Categories: ["all"]),
        new("apps", "v1", "statefulsets", "statefulset", "StatefulSet", true, ["sts"], ["status", "scale"], Categories: ["all"]),
        new("apps", "v1", "daemonsets", "daemonset", "DaemonSet", true, ["ds"], Status, Categories: ["all"]),
        new("batch", "v1", "jobs", "job", "Job", true, None, Status, Categories: ["all"]),
        new("batch", "v1", "cronjobs", "cronjob", "CronJob", true, ["cj"], Status, Categories: ["all"]),
        new("discovery.k8s.io", "v1", "endpointslices", "endpointslice", "EndpointSlice", true, None, None),
        new("autoscaling", "v2", "horizontalpodautoscalers", "horizontalpodautoscaler", "HorizontalPodAutoscaler", true, ["hpa"], Status, Categories: ["all"]),
        new("policy", "v1", "poddisruptionbudgets", "poddisruptionbudget", "PodDisruptionBudget", true, ["pdb"], Status),
        new("networking.k8s.io", "v1", "ingresses", "ingress", "Ingress", true, ["ing"], Status),
        new("networking.k8s.io", "v1", "networkpolicies", "networkpolicy", "NetworkPolicy", true, ["netpol"], None),
        new("networking.k8s.io", "v1", "ingressclasses", "ingressclass", "IngressClass", false, None, None),
        new("storage.k8s.io", "v1", "storageclasses", "storageclass", "StorageClass", false, ["sc"], None),
        new("rbac.authorization.k8s.io", "v1", "roles", "role", "Role", true, None, None),
        new("rbac.authorization.k8s.io", "v1", "rolebindings", "rolebinding", "RoleBinding", true, None, None),
        new("rbac.authorization.k8s.io", "v1", "clusterroles", "clusterrole", "ClusterRole", false, None, None),
        new("rbac.authorization.k8s.io", "v1", "clusterrolebindings", "clusterrolebinding", "ClusterRoleBinding", false, None, None),
        new("admissionregistration.k8s.io", "v1", "mutatingwebhookconfigurations", "mutatingwebhookconfiguration", "MutatingWebhookConfiguration", false, None, None),
        new("admissionregistration.k8s.io", "v1", "validatingwebhookconfigurations", "validatingwebhookconfiguration", "ValidatingWebhookConfiguration", false, None, None),
        new("apiextensions.k8s.io", "v1", "customresourcedefinitions", "customresourcedefinition", "CustomResourceDefinition", false, ["crd", "crds"], Status),
        new("events.k8s.io", "v1", "events", "event", "Event", true, ["ev"], None),
        new("metrics.k8s.io", "v1beta1", "nodes", "", "NodeMetrics", false, None, None, ReadOnly: true),
        new("metrics.k8s.io", "v1beta1", "pods", "", "PodMetrics", true, None, None, ReadOnly: true),
    ];
}
