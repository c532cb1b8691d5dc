using System.Text.Json;
using System.Text.Json.Serialization;
using k8s;
using k8s.Models;

namespace Fleet.KubeEmulator.Tests;

/// <summary>A KubeEdge Device as a typed custom resource for GenericClient.</summary>
public sealed class Device : IKubernetesObject<V1ObjectMeta>
{
    [JsonPropertyName("apiVersion")] public string ApiVersion { get; set; } = "devices.kubeedge.io/v1beta1";
    [JsonPropertyName("kind")] public string Kind { get; set; } = "Device";
    [JsonPropertyName("metadata")] public V1ObjectMeta Metadata { get; set; } = new();
    [JsonPropertyName("spec")] public JsonElement Spec { get; set; }
}

public sealed class DeviceList : IKubernetesObject<V1ListMeta>, IItems<Device>
{
    [JsonPropertyName("apiVersion")] public string ApiVersion { get; set; } = "devices.kubeedge.io/v1beta1";
    [JsonPropertyName("kind")] public string Kind { get; set; } = "DeviceList";
    [JsonPropertyName("metadata")] public V1ListMeta Metadata { get; set; } = new();
    [JsonPropertyName("items")] public IList<Device> Items { get; set; } = [];
}

[Collection("cluster")]
[Trait("Category", "Kubernetes")]
public sealed class GenericClientTests(ClusterFixture fixture)
{
    private const string Group = "devices.kubeedge.io", Version = "v1beta1", Plural = "devices";
    private Kubernetes Client => fixture.Cluster.Client;

    private static object DeviceBody(string name) => new Dictionary<string, object>
    {
        ["apiVersion"] = $"{Group}/{Version}", ["kind"] = "Device",
        ["metadata"] = new Dictionary<string, object> { ["name"] = name, ["labels"] = new Dictionary<string, string> { ["kind"] = "thermometer" } },
        ["spec"] = new Dictionary<string, object>
        {
            ["deviceModelRef"] = new Dictionary<string, object> { ["name"] = "thermo-model" },
            ["nodeName"] = "edge-1",
            ["protocol"] = new Dictionary<string, object> { ["protocolName"] = "modbus" },
            ["properties"] = new[] { new Dictionary<string, object> { ["name"] = "temperature", ["desired"] = new Dictionary<string, object> { ["value"] = "20" } } },
        },
    };

    [Fact]
    public async Task CustomObjects_create_get_list_patch_delete_a_KubeEdge_Device()
    {
        var ns = await fixture.Cluster.CreateNamespaceAsync();
        var created = (JsonElement)await Client.CustomObjects.CreateNamespacedCustomObjectAsync(DeviceBody("thermo-1"), Group, Version, ns, Plural);
        Assert.Equal("thermo-1", created.GetProperty("metadata").GetProperty("name").GetString());
        Assert.False(string.IsNullOrEmpty(created.GetProperty("metadata").GetProperty("uid").GetString()));

        var got = (JsonElement)await Client.CustomObjects.GetNamespacedCustomObjectAsync(Group, Version, ns, Plural, "thermo-1");
        Assert.Equal("edge-1", got.GetProperty("spec").GetProperty("nodeName").GetString());

        var list = (JsonElement)await Client.CustomObjects.ListNamespacedCustomObjectAsync(Group, Version, ns, Plural, labelSelector: "kind=thermometer");
        Assert.Equal("DeviceList", list.GetProperty("kind").GetString());
        Assert.Equal(1, list.GetProperty("items").GetArrayLength());

        var patch = new V1Patch("""{"spec":{"nodeName":"edge-2"}}""", V1Patch.PatchType.MergePatch);
        var patched = (JsonElement)await Client.CustomObjects.PatchNamespacedCustomObjectAsync(patch, Group, Version, ns, Plural, "thermo-1");
        Assert.Equal("edge-2", patched.GetProperty("spec").GetProperty("nodeName").GetString());
        Assert.Equal("modbus", patched.GetProperty("spec").GetProperty("protocol").GetProperty("protocolName").GetString());

        await Client.CustomObjects.DeleteNamespacedCustomObjectAsync(Group, Version, ns, Plural, "thermo-1");
        var after = (JsonElement)await Client.CustomObjects.ListNamespacedCustomObjectAsync(Group, Version, ns, Plural);
        Assert.Equal(0, after.GetProperty("items").GetArrayLength());
    }

    [Fact]
    public async Task GenericClient_reads_typed_Devices()
    {
        var ns = await fixture.Cluster.CreateNamespaceAsync();
        await Client.CustomObjects.CreateNamespacedCustomObjectAsync(DeviceBody("thermo-2"), Group, Version, ns, Plural);
        using var generic = new GenericClient(Client, Group, Version, Plural, disposeClient: false);
        var device = await generic.ReadNamespacedAsync<Device>(ns, "thermo-2");
        Assert.Equal("thermo-2", device.Metadata.Name);
        Assert.Equal("thermo-model", device.Spec.GetProperty("deviceModelRef").GetProperty("name").GetString());
        var devices = await generic.ListNamespacedAsync<DeviceList>(ns);
        Assert.Single(devices.Items);
    }

    [Fact]
    public async Task A_CRD_created_at_run_time_is_served()
    {
        var crd = new V1CustomResourceDefinition
        {
            Metadata = new V1ObjectMeta { Name = "widgets.example.fleet.io" },
            Spec = new V1CustomResourceDefinitionSpec
            {
                Group = "example.fleet.io", Scope = "Namespaced",
                Names = new V1CustomResourceDefinitionNames { Plural = "widgets", Singular = "widget", Kind = "Widget", ListKind = "WidgetList" },
                Versions =
                [
                    new V1CustomResourceDefinitionVersion
                    {
                        Name = "v1", Served = true, Storage = true,
                        Schema = new V1CustomResourceValidation { OpenAPIV3Schema = new V1JSONSchemaProps { Type = "object", XKubernetesPreserveUnknownFields = true } },
                    },
                ],
            },
        };
        await Client.ApiextensionsV1.CreateCustomResourceDefinitionAsync(crd);
        var ns = await fixture.Cluster.CreateNamespaceAsync();
        var body = new Dictionary<string, object>
        {
            ["apiVersion"] = "example.fleet.io/v1", ["kind"] = "Widget",
            ["metadata"] = new Dictionary<string, object> { ["name"] = "w" }, ["spec"] = new Dictionary<string, object> { ["size"] = 3 },
        };
        await Client.CustomObjects.CreateNamespacedCustomObjectAsync(body, "example.fleet.io", "v1", ns, "widgets");
        var groups = await Client.Apis.GetAPIVersionsAsync();
        Assert.Contains(groups.Groups, g => g.Name == "example.fleet.io");
        await Client.ApiextensionsV1.DeleteCustomResourceDefinitionAsync("widgets.example.fleet.io");
        await Assert.ThrowsAsync<k8s.Autorest.HttpOperationException>(() =>
            Client.CustomObjects.GetNamespacedCustomObjectAsync("example.fleet.io", "v1", ns, "widgets", "w"));
    }
}
