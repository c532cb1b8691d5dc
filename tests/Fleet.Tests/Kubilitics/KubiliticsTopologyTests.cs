using System.Net.Http.Json;
using System.Text.Json.Nodes;
using System.Xml.Linq;
using k8s;
using k8s.Models;
using SkiaSharp;
using static Fleet.Tests.Kubilitics.KubiliticsClusterFixture;

namespace Fleet.Tests.Kubilitics;

/// <summary>The topology of a seeded namespace, its determinism, filters, subgraph, cache, exports and roles.</summary>
[Trait("Category", "Kubernetes")]
[Collection(KubiliticsCollection.Name)]
public sealed class KubiliticsTopologyTests(KubiliticsClusterFixture f) : IAsyncLifetime
{
    // PersistentVolumes are cluster-scoped: namespaces do not take them along, so each test removes its own.
    private readonly List<string> _volumes = [];

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var pv in _volumes)
            await SendAsync(f.Operator, HttpMethod.Delete, $"{f.Base}/resources/persistentvolumes/-/{pv}", confirm: true);
    }

    private sealed record Seeded(string Ns, string Pod, string ReplicaSet, string Node, string Pv);

    /// <summary>Deployment→ReplicaSet→Pod, Service, Ingress, ConfigMap, Secret, PVC→PV→StorageClass, SA, Role, RoleBinding, HPA.</summary>
    private async Task<Seeded> SeedAsync()
    {
        var ns = await f.Cluster.CreateNamespaceAsync("topo");
        var c = f.Cluster.Client;
        var labels = new Dictionary<string, string> { ["app"] = "web" };
        var pvName = ns + "-pv";
        _volumes.Add(pvName);
        await c.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "web-config" } }, ns);
        await c.CoreV1.CreateNamespacedSecretAsync(new V1Secret { Metadata = new V1ObjectMeta { Name = "web-secret" }, StringData = new Dictionary<string, string> { ["k"] = "v" } }, ns);
        await c.CoreV1.CreatePersistentVolumeAsync(new V1PersistentVolume
        {
            Metadata = new V1ObjectMeta { Name = pvName },
            Spec = new V1PersistentVolumeSpec { StorageClassName = "standard", Capacity = new Dictionary<string, ResourceQuantity> { ["storage"] = new("1Gi") }, AccessModes = ["ReadWriteOnce"], HostPath = new V1HostPathVolumeSource { Path = "/tmp/" + ns } },
        });
        await c.CoreV1.CreateNamespacedPersistentVolumeClaimAsync(new V1PersistentVolumeClaim
        {
            Metadata = new V1ObjectMeta { Name = "web-data" },
            Spec = new V1PersistentVolumeClaimSpec { StorageClassName = "standard", VolumeName = pvName, AccessModes = ["ReadWriteOnce"], Resources = new V1VolumeResourceRequirements { Requests = new Dictionary<string, ResourceQuantity> { ["storage"] = new("1Gi") } } },
        }, ns);
        await c.CoreV1.CreateNamespacedServiceAccountAsync(new V1ServiceAccount { Metadata = new V1ObjectMeta { Name = "web-sa" } }, ns);
        await c.RbacAuthorizationV1.CreateNamespacedRoleAsync(new V1Role { Metadata = new V1ObjectMeta { Name = "web-reader" }, Rules = [new V1PolicyRule { ApiGroups = [""], Resources = ["configmaps"], Verbs = ["get"] }] }, ns);
        await c.RbacAuthorizationV1.CreateNamespacedRoleBindingAsync(new V1RoleBinding
        {
            Metadata = new V1ObjectMeta { Name = "web-reader" },
            RoleRef = new V1RoleRef { ApiGroup = "rbac.authorization.k8s.io", Kind = "Role", Name = "web-reader" },
            Subjects = [new Rbacv1Subject { Kind = "ServiceAccount", Name = "web-sa", NamespaceProperty = ns }],
        }, ns);
        await c.AppsV1.CreateNamespacedDeploymentAsync(new V1Deployment
        {
            Metadata = new V1ObjectMeta { Name = "web", Labels = labels },
            Spec = new V1DeploymentSpec
            {
                Replicas = 1, Selector = new V1LabelSelector { MatchLabels = labels },
                Template = new V1PodTemplateSpec
                {
                    Metadata = new V1ObjectMeta { Labels = labels },
                    Spec = new V1PodSpec
                    {
                        ServiceAccountName = "web-sa",
                        Containers = [new V1Container { Name = "web", Image = "nginx:1.27", Env = [new V1EnvVar { Name = "K", ValueFrom = new V1EnvVarSource { SecretKeyRef = new V1SecretKeySelector { Name = "web-secret", Key = "k" } } }] }],
                        Volumes =
                        [
                            new V1Volume { Name = "config", ConfigMap = new V1ConfigMapVolumeSource { Name = "web-config" } },
                            new V1Volume { Name = "data", PersistentVolumeClaim = new V1PersistentVolumeClaimVolumeSource { ClaimName = "web-data" } },
                        ],
                    },
                },
            },
        }, ns);
        await c.CoreV1.CreateNamespacedServiceAsync(new V1Service { Metadata = new V1ObjectMeta { Name = "web" }, Spec = new V1ServiceSpec { Selector = labels, Ports = [new V1ServicePort { Port = 80 }] } }, ns);
        await c.NetworkingV1.CreateNamespacedIngressAsync(new V1Ingress
        {
            Metadata = new V1ObjectMeta { Name = "web" },
            Spec = new V1IngressSpec { Rules = [new V1IngressRule { Host = "web.test", Http = new V1HTTPIngressRuleValue { Paths = [new V1HTTPIngressPath { Path = "/", PathType = "Prefix", Backend = new V1IngressBackend { Service = new V1IngressServiceBackend { Name = "web", Port = new V1ServiceBackendPort { Number = 80 } } } }] } }] },
        }, ns);
        await c.AutoscalingV2.CreateNamespacedHorizontalPodAutoscalerAsync(new V2HorizontalPodAutoscaler
        {
            Metadata = new V1ObjectMeta { Name = "web" },
            Spec = new V2HorizontalPodAutoscalerSpec { MinReplicas = 1, MaxReplicas = 3, ScaleTargetRef = new V2CrossVersionObjectReference { ApiVersion = "apps/v1", Kind = "Deployment", Name = "web" } },
        }, ns);
        var pod = await EventuallyAsync(async () =>
        {
            var pods = (await c.CoreV1.ListNamespacedPodAsync(ns)).Items;
            return pods.Count == 1 && pods[0].Spec.NodeName is not null ? pods[0] : null;
        }, "the pod to be scheduled", 60);
        return new Seeded(ns, pod.Metadata.Name, pod.Metadata.OwnerReferences.Single().Name, pod.Spec.NodeName, pvName);
    }

    private static HashSet<(string Type, string Source, string Target)> Edges(JsonNode graph) =>
        graph["edges"]!.AsArray().Select(e => ((string)e!["type"]!, (string)e["source"]!, (string)e["target"]!)).ToHashSet();

    [Fact]
    public async Task A_seeded_namespace_has_exactly_the_expected_edges_and_the_same_layout_twice()
    {
        var s = await SeedAsync();
        var ns = s.Ns;
        var (status, graph, text) = await SendAsync(f.Viewer, HttpMethod.Get, $"{f.Base}/topology?namespace={ns}&force_refresh=true");
        Assert.True(status == 200, text);
        Assert.Equal(f.ClusterId, (string?)graph!["cluster_id"]);
        Assert.Equal(ns, (string?)graph["namespace"]);

        string Id(string kind, string name, bool clusterScoped = false) => clusterScoped ? $"{kind}-{name}" : $"{kind}-{ns}-{name}";
        var pod = Id("pod", s.Pod);
        var expected = new HashSet<(string, string, string)>
        {
            ("owner", Id("deployment", "web"), Id("replicaset", s.ReplicaSet)),
            ("owner", Id("replicaset", s.ReplicaSet), pod),
            ("selector", Id("service", "web"), pod),
            ("ingress", Id("ingress", "web"), Id("service", "web")),
            ("volume", pod, Id("configmap", "web-config")),
            ("env", pod, Id("secret", "web-secret")),
            ("volume", pod, Id("persistentvolumeclaim", "web-data")),
            ("volume", Id("persistentvolumeclaim", "web-data"), Id("persistentvolume", s.Pv, true)),
            ("storage", Id("persistentvolume", s.Pv, true), Id("storageclass", "standard", true)),
            ("scheduling", pod, Id("node", s.Node, true)),
            ("serviceaccount", pod, Id("serviceaccount", "web-sa")),
            ("rbac", Id("rolebinding", "web-reader"), Id("role", "web-reader")),
            ("rbac", Id("rolebinding", "web-reader"), Id("serviceaccount", "web-sa")),
            ("scale", Id("horizontalpodautoscaler", "web"), Id("deployment", "web")),
        };
        var actual = Edges(graph);
        if (!f.Cluster.IsEmulated)
        {
            // A real cluster adds what it adds (kube-root-ca.crt mounted in every pod): compare among the seeded objects.
            var known = expected.SelectMany(e => new[] { e.Item2, e.Item3 }).ToHashSet();
            actual = actual.Where(e => known.Contains(e.Source) && known.Contains(e.Target)).ToHashSet();
        }
        Assert.Equal(expected.OrderBy(e => e.ToString()), actual.OrderBy(e => e.ToString()));

        var nodes = graph["nodes"]!.AsArray();
        var podNode = nodes.Single(n => (string?)n!["id"] == pod)!;
        Assert.Equal(("Pod", s.Pod, ns), ((string?)podNode["type"], (string?)podNode["name"], (string?)podNode["namespace"]));
        Assert.Equal("web", (string?)podNode["labels"]!["app"]);
        Assert.NotNull((string?)podNode["status"]);
        Assert.Equal(nodes.Count, (int)graph["meta"]!["node_count"]!);
        Assert.Equal(graph["edges"]!.AsArray().Count, (int)graph["meta"]!["edge_count"]!);
        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$", (string?)graph["meta"]!["generated_at"]);
        // Layered: every edge goes down (or stays in its layer row only when cycles had to be broken).
        var y = nodes.ToDictionary(n => (string)n!["id"]!, n => (double)n!["y"]!);
        Assert.All(graph["edges"]!.AsArray(), e => Assert.True(y[(string)e!["source"]!] < y[(string)e["target"]!], (string?)e["id"]));

        var second = (await SendAsync(f.Viewer, HttpMethod.Get, $"{f.Base}/topology?namespace={ns}&force_refresh=true")).Body!;
        Assert.Equal(Shape(graph), Shape(second));
        Assert.Equal((string?)graph["meta"]!["layout_seed"], (string?)second["meta"]!["layout_seed"]);

        // Narrowed to kinds and to labels: the matching nodes and the edges between them.
        var narrowed = (await SendAsync(f.Viewer, HttpMethod.Get, $"{f.Base}/topology?namespace={ns}&kinds=Pod,services")).Body!;
        Assert.Equal([Id("service", "web"), pod], narrowed["nodes"]!.AsArray().Select(n => (string)n!["id"]!).Order(StringComparer.Ordinal).Reverse());
        Assert.Equal([("selector", Id("service", "web"), pod)], Edges(narrowed));
        var byLabel = (await SendAsync(f.Viewer, HttpMethod.Get, $"{f.Base}/topology?namespace={ns}&labelSelector=app%3Dweb")).Body!;
        Assert.Equal(new[] { Id("deployment", "web"), Id("replicaset", s.ReplicaSet), pod }.Order(StringComparer.Ordinal),
            byLabel["nodes"]!.AsArray().Select(n => (string)n!["id"]!).Order(StringComparer.Ordinal));
        Assert.Equal(400, (await SendAsync(f.Viewer, HttpMethod.Get, $"{f.Base}/topology?kinds=Gizmo")).Status);
        Assert.Equal(400, (await SendAsync(f.Viewer, HttpMethod.Get, $"{f.Base}/topology?labelSelector=a%20in%20b")).Status);

        // The ConfigMap's neighbourhood: everything that leads to it, nothing beside.
        var sub = (await SendAsync(f.Viewer, HttpMethod.Get, $"{f.Base}/topology/resource/ConfigMap/{ns}/web-config")).Body!;
        Assert.Equal(new[] { Id("configmap", "web-config"), pod, Id("replicaset", s.ReplicaSet), Id("deployment", "web"), Id("service", "web"), Id("ingress", "web"), Id("horizontalpodautoscaler", "web") }.Order(StringComparer.Ordinal),
            sub["nodes"]!.AsArray().Select(n => (string)n!["id"]!).Where(id => f.Cluster.IsEmulated || expected.Any(e => e.Item2 == id || e.Item3 == id)).Order(StringComparer.Ordinal));
        var pvSub = (await SendAsync(f.Viewer, HttpMethod.Get, $"{f.Base}/topology/resource/persistentvolumes/-/{s.Pv}")).Body!;
        Assert.Contains(Id("storageclass", "standard", true), pvSub["nodes"]!.AsArray().Select(n => (string?)n!["id"]));
        Assert.Equal(404, (await SendAsync(f.Viewer, HttpMethod.Get, $"{f.Base}/topology/resource/ConfigMap/{ns}/none")).Status);
    }

    private static List<string> Shape(JsonNode g) =>
        g["nodes"]!.AsArray().Select(n => $"{n!["id"]}@{n["x"]},{n["y"]}").Concat(g["edges"]!.AsArray().Select(e => (string)e!["id"]!)).ToList();

    [Fact]
    public async Task The_cache_is_dropped_by_a_watch_event()
    {
        var ns = await f.Cluster.CreateNamespaceAsync("cache");
        await f.Cluster.Client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "before" } }, ns);
        var first = (await SendAsync(f.Viewer, HttpMethod.Get, $"{f.Base}/topology?namespace={ns}")).Body!;
        Assert.Contains($"configmap-{ns}-before", first["nodes"]!.AsArray().Select(n => (string?)n!["id"]));
        var cached = (await SendAsync(f.Viewer, HttpMethod.Get, $"{f.Base}/topology?namespace={ns}")).Body!;
        Assert.True((bool)cached["meta"]!["cached"]!);
        Assert.Equal((string?)first["meta"]!["generated_at"], (string?)cached["meta"]!["generated_at"]);

        await f.Cluster.Client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "after" } }, ns);
        await EventuallyAsync(async () =>
        {
            var g = (await SendAsync(f.Viewer, HttpMethod.Get, $"{f.Base}/topology?namespace={ns}")).Body!;
            return g["nodes"]!.AsArray().Any(n => (string?)n!["id"] == $"configmap-{ns}-after") ? g : null;
        }, "the new ConfigMap in the cached topology");
    }

    [Fact]
    public async Task Every_export_format_parses_and_draws_the_graph()
    {
        var s = await SeedAsync();
        var graph = (await SendAsync(f.Viewer, HttpMethod.Get, $"{f.Base}/topology?namespace={s.Ns}&force_refresh=true")).Body!;
        var nodes = graph["nodes"]!.AsArray();
        var edges = graph["edges"]!.AsArray();

        async Task<(HttpResponseMessage Response, byte[] Body)> Export(string format)
        {
            var r = await f.Operator.PostAsJsonAsync($"{f.Base}/topology/export", new { format, @namespace = s.Ns });
            var bytes = await r.Content.ReadAsByteArrayAsync();
            Assert.True(r.IsSuccessStatusCode, System.Text.Encoding.UTF8.GetString(bytes));
            Assert.Equal($"topology.{format}", r.Content.Headers.ContentDisposition!.FileName?.Trim('"'));
            Assert.Equal("attachment", r.Content.Headers.ContentDisposition.DispositionType);
            return (r, bytes);
        }

        var (jsonResponse, json) = await Export("json");
        Assert.Equal("application/json", jsonResponse.Content.Headers.ContentType!.MediaType);
        Assert.Equal(Shape(graph), Shape(JsonNode.Parse(json)!));

        var (svgResponse, svg) = await Export("svg");
        Assert.Equal("image/svg+xml", svgResponse.Content.Headers.ContentType!.MediaType);
        XNamespace sv = "http://www.w3.org/2000/svg";
        var svgDoc = XDocument.Parse(System.Text.Encoding.UTF8.GetString(svg));
        var svgNodes = svgDoc.Descendants(sv + "g").Where(g => (string?)g.Attribute("class") == "node").ToList();
        Assert.Equal(nodes.Count, svgNodes.Count);
        foreach (var n in nodes)
        {
            var g = svgNodes.Single(x => (string?)x.Attribute("id") == (string?)n!["id"]);
            var rect = g.Element(sv + "rect")!;
            Assert.Equal((double)n!["x"]!, double.Parse((string)rect.Attribute("x")!, System.Globalization.CultureInfo.InvariantCulture));
            Assert.Equal((double)n["y"]!, double.Parse((string)rect.Attribute("y")!, System.Globalization.CultureInfo.InvariantCulture));
            Assert.Contains(g.Elements(sv + "text"), t => ((string)n["name"]!).StartsWith(t.Value.TrimEnd('…')));
        }
        Assert.Equal(edges.Count, svgDoc.Descendants(sv + "g").Count(g => (string?)g.Attribute("class") == "edge"));
        Assert.Equal(edges.Count, svgDoc.Descendants(sv + "line").Count());

        var (drawioResponse, drawio) = await Export("drawio");
        Assert.Equal("application/xml", drawioResponse.Content.Headers.ContentType!.MediaType);
        var mx = XDocument.Parse(System.Text.Encoding.UTF8.GetString(drawio));
        Assert.Equal("mxfile", mx.Root!.Name.LocalName);
        var cells = mx.Root.Element("diagram")!.Element("mxGraphModel")!.Element("root")!.Elements("mxCell").ToList();
        var vertices = cells.Where(c => (string?)c.Attribute("vertex") == "1").ToList();
        Assert.Equal(nodes.Count, vertices.Count);
        var podCell = vertices.Single(c => (string?)c.Attribute("id") == $"pod-{s.Ns}-{s.Pod}");
        var podNode = nodes.Single(n => (string?)n!["id"] == $"pod-{s.Ns}-{s.Pod}")!;
        Assert.Equal((double)podNode["x"]!, (double)podCell.Element("mxGeometry")!.Attribute("x")!);
        var edgeCells = cells.Where(c => (string?)c.Attribute("edge") == "1").ToList();
        Assert.Equal(edges.Count, edgeCells.Count);
        Assert.All(edgeCells, e => Assert.Contains(vertices, v => (string?)v.Attribute("id") == (string?)e.Attribute("target")));
        var viaGet = await f.Viewer.GetAsync($"{f.Base}/topology/export/drawio?namespace={s.Ns}");
        Assert.Equal("application/xml", viaGet.Content.Headers.ContentType!.MediaType);
        Assert.Equal("topology.drawio", viaGet.Content.Headers.ContentDisposition!.FileName?.Trim('"'));
        Assert.Equal(vertices.Count, XDocument.Parse(await viaGet.Content.ReadAsStringAsync()).Descendants("mxCell").Count(c => (string?)c.Attribute("vertex") == "1"));

        var (pngResponse, png) = await Export("png");
        Assert.Equal("image/png", pngResponse.Content.Headers.ContentType!.MediaType);
        using var bitmap = SKBitmap.Decode(png);
        Assert.NotNull(bitmap);
        Assert.Equal((int)Math.Ceiling((double)graph["meta"]!["width"]!), bitmap.Width);
        Assert.Equal((int)Math.Ceiling((double)graph["meta"]!["height"]!), bitmap.Height);
        // The pod's box is drawn where the layout put it, in its status colour or outline, not left blank.
        var px = bitmap.GetPixel((int)(double)podNode["x"]! + 4, (int)(double)podNode["y"]! + 28);
        Assert.NotEqual(SKColors.White, px);

        var bad = await f.Operator.PostAsJsonAsync($"{f.Base}/topology/export", new { format = "gif" });
        Assert.Equal(400, (int)bad.StatusCode);
        Assert.Contains("format", (string?)JsonNode.Parse(await bad.Content.ReadAsStringAsync())!["error"]);
    }

    [Fact]
    public async Task A_viewer_cannot_change_or_export_unless_a_cluster_permission_raises_it_there()
    {
        var ns = await f.Cluster.CreateNamespaceAsync("roles");
        await f.Cluster.Client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "guarded" } }, ns);
        var other = await f.RegisterAsync("kub-other-" + Guid.NewGuid().ToString("N")[..6]);
        var (viewer, password) = await f.App.CreateUserAsync(Fleet.Functions.Platform.Auth.FleetRole.Viewer);
        var client = f.App.CreateClient((await f.App.LoginTokensAsync(viewer.Username, password)).AccessToken);

        async Task<int[]> Attempts(string clusterId)
        {
            var b = $"/api/kubilitics/v1/clusters/{clusterId}";
            return
            [
                (await SendAsync(client, HttpMethod.Patch, $"{b}/resources/configmaps/{ns}/guarded", """{"data":{"x":"1"}}""")).Status,
                (await SendAsync(client, HttpMethod.Post, $"{b}/apply", $"apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: applied, namespace: {ns}}}\n", "application/yaml")).Status,
                (await SendAsync(client, HttpMethod.Post, $"{b}/topology/export", """{"format":"json"}""")).Status,
                (await SendAsync(client, HttpMethod.Delete, $"{b}/resources/configmaps/{ns}/guarded", confirm: true)).Status,
            ];
        }

        Assert.Equal(new[] { 403, 403, 403, 403 }, await Attempts(f.ClusterId));
        var forbidden = await SendAsync(client, HttpMethod.Patch, $"{f.Base}/resources/configmaps/{ns}/guarded", "{}");
        Assert.Equal("Insufficient permissions: requires operator role", (string?)forbidden.Body!["error"]);
        Assert.Equal(200, (await SendAsync(client, HttpMethod.Get, $"{f.Base}/resources/configmaps/{ns}/guarded")).Status);
        Assert.Null((await f.Cluster.Client.CoreV1.ReadNamespacedConfigMapAsync("guarded", ns)).Data);

        var grant = await f.Admin.PostAsJsonAsync($"/api/kubilitics/v1/users/{viewer.Id}/cluster-permissions", new { cluster_id = f.ClusterId, role = "admin" });
        Assert.True(grant.IsSuccessStatusCode, await grant.Content.ReadAsStringAsync());
        client = f.App.CreateClient((await f.App.LoginTokensAsync(viewer.Username, password)).AccessToken);
        Assert.Equal(new[] { 403, 403, 403, 403 }, await Attempts(other));
        Assert.Equal(new[] { 200, 200, 200, 200 }, await Attempts(f.ClusterId));
        Assert.NotNull(await TestCluster.JsonOrNullAsync(() => f.Cluster.Client.CoreV1.ReadNamespacedConfigMapAsync("applied", ns)));
        Assert.Null(await TestCluster.JsonOrNullAsync(() => f.Cluster.Client.CoreV1.ReadNamespacedConfigMapAsync("guarded", ns)));
    }
}
