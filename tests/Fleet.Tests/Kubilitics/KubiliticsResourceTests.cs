using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using static Fleet.Tests.Kubilitics.KubiliticsClusterFixture;

namespace Fleet.Tests.Kubilitics;

/// <summary>resources/{kind} and crd-instances: discovery, paging, selectors, get, merge patch, delete.</summary>
[Trait("Category", "Kubernetes")]
[Collection(KubiliticsCollection.Name)]
public sealed class KubiliticsResourceTests(KubiliticsClusterFixture f)
{
    [Fact]
    public async Task Lists_page_with_continue_filter_by_label_and_resolve_every_kind_name()
    {
        var ns = await f.Cluster.CreateNamespaceAsync("res");
        for (var i = 0; i < 5; i++)
            await f.Cluster.Client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap
            {
                Metadata = new V1ObjectMeta { Name = $"cm-{i}", Labels = new Dictionary<string, string> { ["tier"] = i % 2 == 0 ? "even" : "odd" } },
                Data = new Dictionary<string, string> { ["i"] = i.ToString() },
            }, ns);

        // Paged by the API server: 2 + 2 + the rest, each page telling the total.
        var names = new List<string>();
        string? cont = null;
        var pages = 0;
        do
        {
            var (status, body, text) = await SendAsync(f.Viewer, HttpMethod.Get,
                $"{f.Base}/resources/configmaps?namespace={ns}&limit=2&labelSelector=tier" + (cont is null ? "" : "&continue=" + Uri.EscapeDataString(cont)));
            Assert.True(status == 200, text);
            var items = body!["items"]!.AsArray();
            Assert.True(items.Count <= 2);
            Assert.All(items, i => Assert.Equal("ConfigMap", (string?)i!["kind"]));
            Assert.All(items, i => Assert.Equal("v1", (string?)i!["apiVersion"]));
            names.AddRange(items.Select(i => (string)i!["metadata"]!["name"]!));
            Assert.False(string.IsNullOrEmpty((string?)body["metadata"]!["resourceVersion"]));
            cont = (string?)body["metadata"]!["continue"];
            if (cont is not null || f.Cluster.IsEmulated) Assert.Equal(5, (int)body["metadata"]!["total"]!);
            pages++;
        } while (cont is not null);
        Assert.Equal(3, pages);
        Assert.Equal(Enumerable.Range(0, 5).Select(i => $"cm-{i}"), names);

        // Label selector and every way kubectl names a kind.
        foreach (var kind in new[] { "configmaps", "configmap", "ConfigMap", "cm" })
        {
            var (_, body, _) = await SendAsync(f.Viewer, HttpMethod.Get, $"{f.Base}/resources/{kind}?namespace={ns}&labelSelector=tier%3Deven");
            Assert.Equal(["cm-0", "cm-2", "cm-4"], body!["items"]!.AsArray().Select(i => (string)i!["metadata"]!["name"]!));
            Assert.Equal(3, (int)body["metadata"]!["total"]!);
            Assert.Null(body["metadata"]!["continue"]);
        }
        var fieldSelected = (await SendAsync(f.Viewer, HttpMethod.Get, $"{f.Base}/resources/cm?namespace={ns}&fieldSelector=metadata.name%3Dcm-3")).Body!;
        Assert.Equal("cm-3", (string?)fieldSelected["items"]!.AsArray().Single()!["metadata"]!["name"]);

        // Cluster-scoped kinds, listed and read with '-' or '_' as the namespace.
        var nodes = (await SendAsync(f.Viewer, HttpMethod.Get, $"{f.Base}/resources/nodes")).Body!["items"]!.AsArray();
        var expected = (await f.Cluster.Client.CoreV1.ListNodeAsync()).Items.Select(n => n.Metadata.Name).Order().ToList();
        Assert.Equal(expected, nodes.Select(n => (string)n!["metadata"]!["name"]!).Order());
        var node = (await SendAsync(f.Viewer, HttpMethod.Get, $"{f.Base}/resources/no/_/{expected[0]}")).Body!;
        Assert.Equal("Node", (string?)node["kind"]);
        var sc = await SendAsync(f.Viewer, HttpMethod.Get, $"{f.Base}/resources/namespaces/-/{ns}");
        Assert.Equal(ns, (string?)sc.Body!["metadata"]!["name"]);

        // Bad input names its field; unknown kinds are a 404.
        var bad = await SendAsync(f.Viewer, HttpMethod.Get, $"{f.Base}/resources/pods?limit=501");
        Assert.Equal(400, bad.Status);
        Assert.Contains("limit", (string?)bad.Body!["error"]);
        Assert.Equal(404, (await SendAsync(f.Viewer, HttpMethod.Get, $"{f.Base}/resources/nosuchkinds")).Status);
        var badContinue = await SendAsync(f.Viewer, HttpMethod.Get, $"{f.Base}/resources/pods?continue=garbage");
        Assert.Equal(400, badContinue.Status);
        Assert.Contains("continue", (string?)badContinue.Body!["error"]);
        Assert.Equal(400, (await SendAsync(f.Viewer, HttpMethod.Get, $"{f.Base}/resources/nodes/{ns}/x")).Status);
    }

    [Fact]
    public async Task Workload_lists_get_patch_and_delete_need_the_confirmation_header()
    {
        var ns = await f.Cluster.CreateNamespaceAsync("res");
        var labels = new Dictionary<string, string> { ["app"] = "web" };
        await f.Cluster.Client.AppsV1.CreateNamespacedDeploymentAsync(new V1Deployment
        {
            Metadata = new V1ObjectMeta { Name = "web" },
            Spec = new V1DeploymentSpec
            {
                Replicas = 2, Selector = new V1LabelSelector { MatchLabels = labels },
                Template = new V1PodTemplateSpec { Metadata = new V1ObjectMeta { Labels = labels }, Spec = new V1PodSpec { Containers = [new V1Container { Name = "web", Image = "nginx:1.27" }] } },
            },
        }, ns);
        await f.Cluster.Client.CoreV1.CreateNamespacedServiceAsync(new V1Service
        {
            Metadata = new V1ObjectMeta { Name = "web" },
            Spec = new V1ServiceSpec { Selector = labels, Ports = [new V1ServicePort { Port = 80 }] },
        }, ns);

        var deployments = (await SendAsync(f.Viewer, HttpMethod.Get, $"{f.Base}/resources/deployments?namespace={ns}")).Body!;
        Assert.Equal("web", (string?)deployments["items"]![0]!["metadata"]!["name"]);
        Assert.Equal("apps/v1", (string?)deployments["items"]![0]!["apiVersion"]);
        var services = (await SendAsync(f.Viewer, HttpMethod.Get, $"{f.Base}/resources/svc?namespace={ns}")).Body!;
        Assert.Equal("web", (string?)services["items"]![0]!["metadata"]!["name"]);
        var pods = await EventuallyAsync(async () =>
        {
            var b = (await SendAsync(f.Viewer, HttpMethod.Get, $"{f.Base}/resources/pods?namespace={ns}&labelSelector=app%3Dweb")).Body!;
            return b["items"]!.AsArray().Count == 2 ? b : null;
        }, "two pods");
        Assert.All(pods["items"]!.AsArray(), p => Assert.Equal("Pod", (string?)p!["kind"]));

        var got = (await SendAsync(f.Viewer, HttpMethod.Get, $"{f.Base}/resources/deployments/{ns}/web")).Body!;
        var server = await f.Cluster.Client.AppsV1.ReadNamespacedDeploymentAsync("web", ns);
        Assert.Equal(server.Metadata.Uid, (string?)got["metadata"]!["uid"]);

        var patched = await SendAsync(f.Operator, HttpMethod.Patch, $"{f.Base}/resources/deployments/{ns}/web",
            """{"metadata":{"labels":{"team":"blue"}},"spec":{"replicas":3}}""", "application/merge-patch+json");
        Assert.True(patched.Status == 200, patched.Text);
        Assert.Equal("blue", (string?)patched.Body!["metadata"]!["labels"]!["team"]);
        var after = await f.Cluster.Client.AppsV1.ReadNamespacedDeploymentAsync("web", ns);
        Assert.Equal(3, after.Spec.Replicas);
        Assert.Equal("blue", after.Metadata.Labels["team"]);
        Assert.Equal(400, (await SendAsync(f.Operator, HttpMethod.Patch, $"{f.Base}/resources/deployments/{ns}/web", "[1]")).Status);
        Assert.Equal(404, (await SendAsync(f.Operator, HttpMethod.Patch, $"{f.Base}/resources/deployments/{ns}/nope", "{}")).Status);

        var refused = await SendAsync(f.Operator, HttpMethod.Delete, $"{f.Base}/resources/services/{ns}/web");
        Assert.Equal(400, refused.Status);
        Assert.Contains("X-Confirm-Destructive", (string?)refused.Body!["error"]);
        Assert.NotNull(await TestCluster.JsonOrNullAsync(() => f.Cluster.Client.CoreV1.ReadNamespacedServiceAsync("web", ns)));
        var deleted = await SendAsync(f.Operator, HttpMethod.Delete, $"{f.Base}/resources/services/{ns}/web", confirm: true);
        Assert.True(deleted.Status == 200, deleted.Text);
        Assert.Equal("Resource deleted", (string?)deleted.Body!["message"]);
        Assert.Null(await TestCluster.JsonOrNullAsync(() => f.Cluster.Client.CoreV1.ReadNamespacedServiceAsync("web", ns)));
        Assert.Equal(404, (await SendAsync(f.Operator, HttpMethod.Delete, $"{f.Base}/resources/services/{ns}/web", confirm: true)).Status);
    }

    [Fact]
    public async Task Crd_instances_are_listed_by_crd_name_and_through_discovery()
    {
        var ns = await f.Cluster.CreateNamespaceAsync("crd");
        var group = $"g{Guid.NewGuid():N}"[..10] + ".fleet.test";
        await f.Cluster.Client.ApiextensionsV1.CreateCustomResourceDefinitionAsync(new V1CustomResourceDefinition
        {
            Metadata = new V1ObjectMeta { Name = $"widgets.{group}" },
            Spec = new V1CustomResourceDefinitionSpec
            {
                Group = group, Scope = "Namespaced",
                Names = new V1CustomResourceDefinitionNames { Plural = "widgets", Singular = "widget", Kind = "Widget", ShortNames = ["wdg"] },
                Versions = [new V1CustomResourceDefinitionVersion { Name = "v1", Served = true, Storage = true, Schema = new V1CustomResourceValidation { OpenAPIV3Schema = new V1JSONSchemaProps { Type = "object", XKubernetesPreserveUnknownFields = true } } }],
            },
        });
        try
        {
            await EventuallyAsync(async () =>
            {
                try
                {
                    for (var i = 0; i < 3; i++)
                        await f.Cluster.Client.CustomObjects.CreateNamespacedCustomObjectAsync(
                            new Dictionary<string, object> { ["apiVersion"] = $"{group}/v1", ["kind"] = "Widget", ["metadata"] = new Dictionary<string, object> { ["name"] = $"w{i}" }, ["spec"] = new Dictionary<string, object> { ["size"] = i } },
                            group, "v1", ns, "widgets");
                    return "";
                }
                catch (k8s.Autorest.HttpOperationException) { return null; }
            }, "the CRD to be established");

            var byCrd = await SendAsync(f.Viewer, HttpMethod.Get, $"{f.Base}/crd-instances/widgets.{group}?namespace={ns}&limit=2");
            Assert.True(byCrd.Status == 200, byCrd.Text);
            Assert.Equal(["w0", "w1"], byCrd.Body!["items"]!.AsArray().Select(i => (string)i!["metadata"]!["name"]!));
            Assert.Equal("Widget", (string?)byCrd.Body["items"]![0]!["kind"]);
            var next = (string)byCrd.Body["metadata"]!["continue"]!;
            var rest = (await SendAsync(f.Viewer, HttpMethod.Get, $"{f.Base}/crd-instances/widgets.{group}?namespace={ns}&continue={Uri.EscapeDataString(next)}")).Body!;
            Assert.Equal(["w2"], rest["items"]!.AsArray().Select(i => (string)i!["metadata"]!["name"]!));

            foreach (var name in new[] { "widgets", "wdg", "Widget", $"widgets.{group}" })
            {
                var viaDiscovery = (await SendAsync(f.Viewer, HttpMethod.Get, $"{f.Base}/resources/{name}?namespace={ns}")).Body!;
                Assert.Equal(3, viaDiscovery["items"]!.AsArray().Count);
            }
            var one = (await SendAsync(f.Viewer, HttpMethod.Get, $"{f.Base}/resources/wdg/{ns}/w1")).Body!;
            Assert.Equal(1, (int)one["spec"]!["size"]!);
            Assert.Equal(404, (await SendAsync(f.Viewer, HttpMethod.Get, $"{f.Base}/crd-instances/nothings.{group}")).Status);
        }
        finally
        {
            await f.Cluster.Client.ApiextensionsV1.DeleteCustomResourceDefinitionAsync($"widgets.{group}");
        }
    }
}
