using System.Text.Json.Nodes;

namespace Fleet.KubeEmulator;

/// <summary>What a fresh kind cluster with one KubeEdge edge node holds.</summary>
public static class SeedData
{
    public static void Apply(EmulatorState state)
    {
        var store = state.Store;
        foreach (var ns in new[] { "default", "kube-system", "kube-public", "kube-node-lease" })
            store.Put(new JsonObject { ["apiVersion"] = "v1", ["kind"] = "Namespace", ["metadata"] = new JsonObject { ["name"] = ns } });

        store.Put(Node("node-1", "172.18.0.2", "amd64", state.Options.ServerVersion, new JsonObject
        {
            ["node-role.kubernetes.io/control-plane"] = "",
            ["node.kubernetes.io/exclude-from-external-load-balancers"] = "",
        }, "kind://docker/kind/node-1"));
        store.Put(Node("edge-1", "192.168.1.50", "arm64", state.Options.ServerVersion + "-kubeedge-v1.20.0", new JsonObject
        {
            ["node-role.kubernetes.io/edge"] = "",
            ["node-role.kubernetes.io/agent"] = "",
        }, null));

        store.Put(new JsonObject
        {
            ["apiVersion"] = "v1", ["kind"] = "Service",
            ["metadata"] = new JsonObject
            {
                ["name"] = "kubernetes", ["namespace"] = "default",
                ["labels"] = new JsonObject { ["component"] = "apiserver", ["provider"] = "kubernetes" },
            },
            ["spec"] = new JsonObject
            {
                ["clusterIP"] = "10.96.0.1",
                ["ports"] = new JsonArray(new JsonObject { ["name"] = "https", ["port"] = 443, ["protocol"] = "TCP", ["targetPort"] = 6443 }),
            },
        });
        store.Put(new JsonObject
        {
            ["apiVersion"] = "storage.k8s.io/v1", ["kind"] = "StorageClass",
            ["metadata"] = new JsonObject
            {
                ["name"] = "standard",
                ["annotations"] = new JsonObject { ["storageclass.kubernetes.io/is-default-class"] = "true" },
            },
            ["provisioner"] = "rancher.io/local-path", ["reclaimPolicy"] = "Delete", ["volumeBindingMode"] = "WaitForFirstConsumer",
        });

        store.Put(Crd("devices", "device", "Device", "devices.kubeedge.io", ["device"]));
        store.Put(Crd("devicemodels", "devicemodel", "DeviceModel", "devices.kubeedge.io", ["devicemodel"]));
    }

    private static JsonObject Node(string name, string ip, string arch, string kubeletVersion, JsonObject roleLabels, string? providerId)
    {
        var labels = new JsonObject
        {
            ["beta.kubernetes.io/arch"] = arch, ["beta.kubernetes.io/os"] = "linux",
            ["kubernetes.io/arch"] = arch, ["kubernetes.io/hostname"] = name, ["kubernetes.io/os"] = "linux",
        };
        foreach (var (k, v) in roleLabels) labels[k] = v?.DeepClone();
        var resources = new JsonObject
        {
            ["cpu"] = "4", ["ephemeral-storage"] = "102626232Ki", ["hugepages-2Mi"] = "0", ["memory"] = "16318480Ki", ["pods"] = "110",
        };
        var now = Store.Json.Now();
        JsonObject Condition(string type, string status, string reason, string message) => new()
        {
            ["type"] = type, ["status"] = status, ["lastHeartbeatTime"] = now, ["lastTransitionTime"] = now,
            ["reason"] = reason, ["message"] = message,
        };
        var spec = new JsonObject { ["podCIDR"] = name == "node-1" ? "10.244.0.0/24" : "10.244.1.0/24" };
        if (providerId is not null) spec["providerID"] = providerId;
        return new JsonObject
        {
            ["apiVersion"] = "v1", ["kind"] = "Node",
            ["metadata"] = new JsonObject
            {
                ["name"] = name, ["labels"] = labels,
                ["annotations"] = new JsonObject { ["node.alpha.kubernetes.io/ttl"] = "0", ["volumes.kubernetes.io/controller-managed-attach-detach"] = "true" },
            },
            ["spec"] = spec,
            ["status"] = new JsonObject
            {
                ["capacity"] = resources.DeepClone(), ["allocatable"] = resources.DeepClone(),
                ["conditions"] = new JsonArray(
                    Condition("MemoryPressure", "False", "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
                    Condition("DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
                    Condition("PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
                    Condition("Ready", "True", "KubeletReady", "kubelet is posting ready status")),
                ["addresses"] = new JsonArray(
                    new JsonObject { ["type"] = "InternalIP", ["address"] = ip },
                    new JsonObject { ["type"] = "Hostname", ["address"] = name }),
                ["daemonEndpoints"] = new JsonObject { ["kubeletEndpoint"] = new JsonObject { ["Port"] = 10250 } },
                ["nodeInfo"] = new JsonObject
                {
                    ["machineID"] = Guid.NewGuid().ToString("N"), ["systemUUID"] = Guid.NewGuid().ToString(), ["bootID"] = Guid.NewGuid().ToString(),
                    ["kernelVersion"] = "6.1.0-28-amd64", ["osImage"] = "Debian GNU/Linux 12 (bookworm)",
                    ["containerRuntimeVersion"] = "containerd://1.7.18", ["kubeletVersion"] = kubeletVersion,
                    ["kubeProxyVersion"] = kubeletVersion, ["operatingSystem"] = "linux", ["architecture"] = arch,
                },
            },
        };
    }

    private static JsonObject Crd(string plural, string singular, string kind, string group, string[] shortNames) => new()
    {
        ["apiVersion"] = "apiextensions.k8s.io/v1", ["kind"] = "CustomResourceDefinition",
        ["metadata"] = new JsonObject { ["name"] = $"{plural}.{group}" },
        ["spec"] = new JsonObject
        {
            ["group"] = group, ["scope"] = "Namespaced",
            ["names"] = new JsonObject
            {
                ["plural"] = plural, ["singular"] = singular, ["kind"] = kind, ["listKind"] = kind + "List",
                ["shortNames"] = new JsonArray(shortNames.Select(s => (JsonNode?)s).ToArray()),
            },
            ["versions"] = new JsonArray(new JsonObject
            {
                ["name"] = "v1beta1", ["served"] = true, ["storage"] = true,
                ["schema"] = new JsonObject { ["openAPIV3Schema"] = new JsonObject { ["type"] = "object", ["x-kubernetes-preserve-unknown-fields"] = true } },
                ["subresources"] = new JsonObject { ["status"] = new JsonObject() },
            }),
        },
    };
}
