using System.Net;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace Fleet.KubeEmulator.Tests;

[Collection("cluster")]
[Trait("Category", "Kubernetes")]
public sealed class TypedClientTests(ClusterFixture fixture)
{
    private Kubernetes Client => fixture.Cluster.Client;

    private static V1Pod Pod(string name, Dictionary<string, string>? labels = null, params V1Container[] containers) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, Labels = labels },
        Spec = new V1PodSpec
        {
            Containers = containers.Length > 0 ? containers : [new V1Container { Name = "main", Image = "busybox:1.36", Command = ["sleep", "3600"] }],
        },
    };

    [Fact]
    public async Task Pods_create_list_get_replace_delete()
    {
        var ns = await fixture.Cluster.CreateNamespaceAsync();
        var created = await Client.CoreV1.CreateNamespacedPodAsync(Pod("p1", new() { ["app"] = "demo" }), ns);
        Assert.Equal("p1", created.Metadata.Name);
        Assert.False(string.IsNullOrEmpty(created.Metadata.Uid));
        Assert.NotNull(created.Metadata.CreationTimestamp);

        var list = await Client.CoreV1.ListNamespacedPodAsync(ns);
        Assert.Contains(list.Items, p => p.Metadata.Name == "p1");
        Assert.False(string.IsNullOrEmpty(list.Metadata.ResourceVersion));

        var running = await Eventually.Get(() => Client.CoreV1.ReadNamespacedPodAsync("p1", ns), p => p.Status?.Phase == "Running", "pod running");
        Assert.False(string.IsNullOrEmpty(running.Spec.NodeName));
        Assert.Contains(running.Status.Conditions, c => c.Type == "Ready" && c.Status == "True");
        var cs = Assert.Single(running.Status.ContainerStatuses);
        Assert.True(cs.Ready);
        Assert.Equal(0, cs.RestartCount);

        running.Metadata.Labels["tier"] = "web";
        var replaced = await Client.CoreV1.ReplaceNamespacedPodAsync(running, "p1", ns);
        Assert.Equal("web", replaced.Metadata.Labels["tier"]);
        Assert.NotEqual(running.Metadata.ResourceVersion, replaced.Metadata.ResourceVersion);

        await Client.CoreV1.DeleteNamespacedPodAsync("p1", ns);
        var ex = await Assert.ThrowsAsync<HttpOperationException>(() => Client.CoreV1.ReadNamespacedPodAsync("p1", ns));
        Assert.Equal(HttpStatusCode.NotFound, ex.Response.StatusCode);
        Assert.Contains("\"reason\":\"NotFound\"", ex.Response.Content);
        Assert.Contains("pods \\\"p1\\\" not found", ex.Response.Content);
    }

    [Fact]
    public async Task Creating_twice_is_AlreadyExists_and_generateName_generates()
    {
        var ns = await fixture.Cluster.CreateNamespaceAsync();
        var cm = new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "once" }, Data = new Dictionary<string, string> { ["k"] = "v" } };
        await Client.CoreV1.CreateNamespacedConfigMapAsync(cm, ns);
        var ex = await Assert.ThrowsAsync<HttpOperationException>(() => Client.CoreV1.CreateNamespacedConfigMapAsync(cm, ns));
        Assert.Equal(HttpStatusCode.Conflict, ex.Response.StatusCode);
        Assert.Contains("\"reason\":\"AlreadyExists\"", ex.Response.Content);

        var generated = await Client.CoreV1.CreateNamespacedConfigMapAsync(
            new V1ConfigMap { Metadata = new V1ObjectMeta { GenerateName = "gen-" } }, ns);
        Assert.StartsWith("gen-", generated.Metadata.Name);
        Assert.Equal(9, generated.Metadata.Name.Length);
    }

    [Fact]
    public async Task Stale_resourceVersion_update_is_409_Conflict()
    {
        var ns = await fixture.Cluster.CreateNamespaceAsync();
        var cm = await Client.CoreV1.CreateNamespacedConfigMapAsync(
            new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "cfg" }, Data = new Dictionary<string, string> { ["a"] = "1" } }, ns);
        var stale = cm.Metadata.ResourceVersion;
        cm.Data["a"] = "2";
        await Client.CoreV1.ReplaceNamespacedConfigMapAsync(cm, "cfg", ns);

        cm.Metadata.ResourceVersion = stale;
        cm.Data["a"] = "3";
        var ex = await Assert.ThrowsAsync<HttpOperationException>(() => Client.CoreV1.ReplaceNamespacedConfigMapAsync(cm, "cfg", ns));
        Assert.Equal(HttpStatusCode.Conflict, ex.Response.StatusCode);
        Assert.Contains("\"reason\":\"Conflict\"", ex.Response.Content);
        Assert.Contains("the object has been modified", ex.Response.Content);
        Assert.Equal("2", (await Client.CoreV1.ReadNamespacedConfigMapAsync("cfg", ns)).Data["a"]);
    }

    [Fact]
    public async Task A_250_item_list_pages_in_100s_with_continue_tokens()
    {
        var ns = await fixture.Cluster.CreateNamespaceAsync();
        await Parallel.ForEachAsync(Enumerable.Range(0, 250), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (i, ct) =>
            await Client.CoreV1.CreateNamespacedConfigMapAsync(
                new V1ConfigMap { Metadata = new V1ObjectMeta { Name = $"item-{i:D3}", Labels = new Dictionary<string, string> { ["paged"] = "yes" } } },
                ns, cancellationToken: ct));

        var names = new List<string>();
        var pages = new List<int>();
        string? token = null;
        do
        {
            var page = await Client.CoreV1.ListNamespacedConfigMapAsync(ns, continueParameter: token, limit: 100, labelSelector: "paged=yes");
            pages.Add(page.Items.Count);
            names.AddRange(page.Items.Select(c => c.Metadata.Name));
            token = page.Metadata.ContinueProperty;
        } while (!string.IsNullOrEmpty(token));

        Assert.Equal([100, 100, 50], pages);
        Assert.Equal(250, names.Distinct().Count());
    }

    [Fact]
    public async Task Label_and_field_selectors_filter_lists()
    {
        var ns = await fixture.Cluster.CreateNamespaceAsync();
        await Client.CoreV1.CreateNamespacedPodAsync(Pod("a", new() { ["app"] = "web", ["env"] = "prod" }), ns);
        await Client.CoreV1.CreateNamespacedPodAsync(Pod("b", new() { ["app"] = "web", ["env"] = "dev" }), ns);
        await Client.CoreV1.CreateNamespacedPodAsync(Pod("c", new() { ["app"] = "db" }), ns);

        async Task<string[]> Names(string? labels = null, string? fields = null) =>
            (await Client.CoreV1.ListNamespacedPodAsync(ns, labelSelector: labels, fieldSelector: fields))
            .Items.Select(p => p.Metadata.Name).Order().ToArray();

        Assert.Equal(["a", "b"], await Names("app=web"));
        Assert.Equal(["a", "b"], await Names("app==web"));
        Assert.Equal(["b", "c"], await Names("env!=prod"));
        Assert.Equal(["a"], await Names("env in (prod),app notin (x)"));
        Assert.Equal(["a", "c"], await Names("app in (db, web),env notin (dev)"));
        Assert.Equal(["a", "b"], await Names("env"));
        Assert.Equal(["c"], await Names("!env"));
        Assert.Equal(["b"], await Names(fields: "metadata.name=b"));
        Assert.Equal(["a", "c"], await Names(fields: "metadata.name!=b"));
        Assert.Equal(["a"], await Names("app=web", "metadata.name=a"));

        await Eventually.Get(() => Names(fields: "status.phase=Running"), n => n.Length == 3, "three running pods");
        var pod = await Client.CoreV1.ReadNamespacedPodAsync("a", ns);
        Assert.Equal(["a", "b", "c"], await Names(fields: $"spec.nodeName={pod.Spec.NodeName}"));
        var all = await Client.CoreV1.ListPodForAllNamespacesAsync(fieldSelector: $"metadata.namespace={ns}");
        Assert.Equal(3, all.Items.Count);
    }

    [Fact]
    public async Task Strategic_merge_patch_of_one_container_image_keeps_the_others()
    {
        var ns = await fixture.Cluster.CreateNamespaceAsync();
        await Client.AppsV1.CreateNamespacedDeploymentAsync(Deployment("two", 1,
            new V1Container { Name = "app", Image = "nginx:1.27", Ports = [new V1ContainerPort { ContainerPort = 80 }] },
            new V1Container { Name = "sidecar", Image = "busybox:1.36", Env = [new V1EnvVar { Name = "A", Value = "1" }] }), ns);

        var patch = """{"spec":{"template":{"spec":{"containers":[{"name":"app","image":"nginx:1.28"}]}}}}""";
        var patched = await Client.AppsV1.PatchNamespacedDeploymentAsync(new V1Patch(patch, V1Patch.PatchType.StrategicMergePatch), "two", ns);
        var containers = patched.Spec.Template.Spec.Containers;
        Assert.Equal(2, containers.Count);
        Assert.Equal("nginx:1.28", containers.Single(c => c.Name == "app").Image);
        Assert.Equal(80, containers.Single(c => c.Name == "app").Ports.Single().ContainerPort);
        Assert.Equal("busybox:1.36", containers.Single(c => c.Name == "sidecar").Image);
        Assert.Equal(2, patched.Metadata.Generation);

        var delete = """{"spec":{"template":{"spec":{"containers":[{"name":"sidecar","$patch":"delete"}]}}}}""";
        patched = await Client.AppsV1.PatchNamespacedDeploymentAsync(new V1Patch(delete, V1Patch.PatchType.StrategicMergePatch), "two", ns);
        Assert.Equal("app", Assert.Single(patched.Spec.Template.Spec.Containers).Name);

        var merge = """{"metadata":{"labels":{"patched":"merge"}}}""";
        patched = await Client.AppsV1.PatchNamespacedDeploymentAsync(new V1Patch(merge, V1Patch.PatchType.MergePatch), "two", ns);
        Assert.Equal("merge", patched.Metadata.Labels["patched"]);

        var json = """[{"op":"replace","path":"/spec/replicas","value":3},{"op":"add","path":"/metadata/annotations","value":{"a":"b"}}]""";
        patched = await Client.AppsV1.PatchNamespacedDeploymentAsync(new V1Patch(json, V1Patch.PatchType.JsonPatch), "two", ns);
        Assert.Equal(3, patched.Spec.Replicas);
        Assert.Equal("b", patched.Metadata.Annotations["a"]);
    }

    public static V1Deployment Deployment(string name, int replicas, params V1Container[] containers) => new()
    {
        Metadata = new V1ObjectMeta { Name = name },
        Spec = new V1DeploymentSpec
        {
            Replicas = replicas,
            Selector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["app"] = name } },
            Template = new V1PodTemplateSpec
            {
                Metadata = new V1ObjectMeta { Labels = new Dictionary<string, string> { ["app"] = name } },
                Spec = new V1PodSpec { Containers = containers },
            },
        },
    };

    [Fact]
    public async Task Deployment_creates_a_ReplicaSet_whose_pods_run_and_rolls_out_new_templates()
    {
        var ns = await fixture.Cluster.CreateNamespaceAsync();
        var created = await Client.AppsV1.CreateNamespacedDeploymentAsync(Deployment("web", 3, new V1Container { Name = "web", Image = "nginx:1.27" }), ns);
        Assert.Equal(3, created.Spec.Replicas);

        var ready = await Eventually.Get(() => Client.AppsV1.ReadNamespacedDeploymentAsync("web", ns),
            d => d.Status?.ReadyReplicas == 3 && d.Status.AvailableReplicas == 3 && d.Status.UpdatedReplicas == 3, "deployment ready");
        Assert.Equal(1, ready.Status.ObservedGeneration);
        Assert.Contains(ready.Status.Conditions, c => c.Type == "Available" && c.Status == "True");
        Assert.Equal("1", ready.Metadata.Annotations["deployment.kubernetes.io/revision"]);

        var rs = Assert.Single((await Client.AppsV1.ListNamespacedReplicaSetAsync(ns)).Items);
        Assert.Equal("Deployment", rs.Metadata.OwnerReferences.Single().Kind);
        var hash = rs.Metadata.Labels["pod-template-hash"];
        Assert.Equal($"web-{hash}", rs.Metadata.Name);
        var pods = (await Client.CoreV1.ListNamespacedPodAsync(ns, labelSelector: $"app=web,pod-template-hash={hash}")).Items;
        Assert.Equal(3, pods.Count);
        Assert.All(pods, p =>
        {
            Assert.Equal("Running", p.Status.Phase);
            Assert.Equal(rs.Metadata.Uid, p.Metadata.OwnerReferences.Single().Uid);
            Assert.StartsWith($"web-{hash}-", p.Metadata.Name);
        });

        // A template change makes a second ReplicaSet (revision 2) and scales the first to 0.
        ready.Spec.Template.Spec.Containers[0].Image = "nginx:1.28";
        await Client.AppsV1.ReplaceNamespacedDeploymentAsync(ready, "web", ns);
        var rolled = await Eventually.Get(() => Client.AppsV1.ReadNamespacedDeploymentAsync("web", ns),
            d => d.Metadata.Annotations["deployment.kubernetes.io/revision"] == "2" && d.Status.UpdatedReplicas == 3 && d.Status.Replicas == 3,
            "rollout to revision 2");
        Assert.Equal(2, rolled.Status.ObservedGeneration);
        var sets = (await Client.AppsV1.ListNamespacedReplicaSetAsync(ns)).Items;
        Assert.Equal(2, sets.Count);
        Assert.Equal(0, sets.Single(s => s.Metadata.Name == rs.Metadata.Name).Spec.Replicas);
        await Eventually.Get(() => Client.CoreV1.ListNamespacedPodAsync(ns),
            l => l.Items.Count == 3 && l.Items.All(p => p.Spec.Containers[0].Image == "nginx:1.28" && p.Status.Phase == "Running"), "new pods");

        // Rollback: the old template again reuses the first ReplicaSet as revision 3.
        var back = """{"spec":{"template":{"spec":{"containers":[{"name":"web","image":"nginx:1.27"}]}}}}""";
        await Client.AppsV1.PatchNamespacedDeploymentAsync(new V1Patch(back, V1Patch.PatchType.StrategicMergePatch), "web", ns);
        var first = await Eventually.Get(() => Client.AppsV1.ReadNamespacedReplicaSetAsync(rs.Metadata.Name, ns),
            r => r.Spec.Replicas == 3 && r.Metadata.Annotations["deployment.kubernetes.io/revision"] == "3", "rollback to the first ReplicaSet");
        Assert.Equal(hash, first.Metadata.Labels["pod-template-hash"]);

        var scale = await Client.AppsV1.PatchNamespacedDeploymentScaleAsync(new V1Patch("""{"spec":{"replicas":1}}""", V1Patch.PatchType.MergePatch), "web", ns);
        Assert.Equal(1, scale.Spec.Replicas);
        await Eventually.Get(() => Client.CoreV1.ListNamespacedPodAsync(ns), l => l.Items.Count == 1, "scaled to one pod");

        await Client.AppsV1.DeleteNamespacedDeploymentAsync("web", ns);
        await Eventually.Get(() => Client.CoreV1.ListNamespacedPodAsync(ns), l => l.Items.Count == 0, "pods garbage-collected");
        Assert.Empty((await Client.AppsV1.ListNamespacedReplicaSetAsync(ns)).Items);
    }

    [Fact]
    public async Task Job_pod_succeeds_and_job_completes()
    {
        var ns = await fixture.Cluster.CreateNamespaceAsync();
        await Client.BatchV1.CreateNamespacedJobAsync(new V1Job
        {
            Metadata = new V1ObjectMeta { Name = "once" },
            Spec = new V1JobSpec
            {
                Template = new V1PodTemplateSpec
                {
                    Spec = new V1PodSpec { RestartPolicy = "Never", Containers = [new V1Container { Name = "run", Image = "busybox:1.36", Command = ["true"] }] },
                },
            },
        }, ns);
        var job = await Eventually.Get(() => Client.BatchV1.ReadNamespacedJobAsync("once", ns), j => j.Status?.Succeeded == 1, "job succeeded");
        Assert.NotNull(job.Status.CompletionTime);
        Assert.Contains(job.Status.Conditions, c => c.Type == "Complete" && c.Status == "True");
        var pod = Assert.Single((await Client.CoreV1.ListNamespacedPodAsync(ns, labelSelector: "job-name=once")).Items);
        Assert.Equal("Succeeded", pod.Status.Phase);
        Assert.Equal(0, pod.Status.ContainerStatuses.Single().State.Terminated.ExitCode);
    }

    [Fact]
    public async Task Service_endpoints_follow_selected_pods()
    {
        var ns = await fixture.Cluster.CreateNamespaceAsync();
        await Client.CoreV1.CreateNamespacedServiceAsync(new V1Service
        {
            Metadata = new V1ObjectMeta { Name = "api" },
            Spec = new V1ServiceSpec { Selector = new Dictionary<string, string> { ["app"] = "api" }, Ports = [new V1ServicePort { Port = 80, TargetPort = 8080 }] },
        }, ns);
        await Client.CoreV1.CreateNamespacedPodAsync(Pod("api-1", new() { ["app"] = "api" }), ns);
        await Client.CoreV1.CreateNamespacedPodAsync(Pod("other", new() { ["app"] = "other" }), ns);
        var ep = await Eventually.Get(() => Client.CoreV1.ReadNamespacedEndpointsAsync("api", ns),
            e => e.Subsets?.FirstOrDefault()?.Addresses?.Count == 1, "endpoints with one address");
        Assert.Equal("api-1", ep.Subsets[0].Addresses[0].TargetRef.Name);
        Assert.Equal(8080, ep.Subsets[0].Ports[0].Port);
        var svc = await Client.CoreV1.ReadNamespacedServiceAsync("api", ns);
        Assert.False(string.IsNullOrEmpty(svc.Spec.ClusterIP));
    }

    [Fact]
    public async Task Deleting_a_namespace_deletes_what_it_holds()
    {
        var ns = await fixture.Cluster.CreateNamespaceAsync();
        await Client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "x" } }, ns);
        await Client.CoreV1.CreateNamespacedPodAsync(Pod("p"), ns);
        await Client.CoreV1.DeleteNamespaceAsync(ns);
        await Eventually.Get(async () => (await Client.CoreV1.ListNamespaceAsync()).Items.Any(n => n.Metadata.Name == ns), gone => !gone, "namespace gone", 60000);
        Assert.DoesNotContain((await Client.CoreV1.ListConfigMapForAllNamespacesAsync()).Items, c => c.Metadata.NamespaceProperty == ns);
        Assert.DoesNotContain((await Client.CoreV1.ListPodForAllNamespacesAsync()).Items, p => p.Metadata.NamespaceProperty == ns);
    }

    [Fact]
    public async Task Delete_honours_preconditions_and_orphan_propagation()
    {
        var ns = await fixture.Cluster.CreateNamespaceAsync();
        var cm = await Client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "guarded" } }, ns);
        var ex = await Assert.ThrowsAsync<HttpOperationException>(() => Client.CoreV1.DeleteNamespacedConfigMapAsync("guarded", ns,
            new V1DeleteOptions { Preconditions = new V1Preconditions { Uid = Guid.NewGuid().ToString() } }));
        Assert.Equal(HttpStatusCode.Conflict, ex.Response.StatusCode);
        await Client.CoreV1.DeleteNamespacedConfigMapAsync("guarded", ns,
            new V1DeleteOptions { Preconditions = new V1Preconditions { Uid = cm.Metadata.Uid, ResourceVersion = cm.Metadata.ResourceVersion } });

        await Client.AppsV1.CreateNamespacedDeploymentAsync(Deployment("keep", 1, new V1Container { Name = "c", Image = "nginx:1.27" }), ns);
        await Eventually.Get(() => Client.CoreV1.ListNamespacedPodAsync(ns), l => l.Items.Count == 1, "one pod");
        await Client.AppsV1.DeleteNamespacedDeploymentAsync("keep", ns, propagationPolicy: "Orphan");
        await Task.Delay(300);
        var rs = Assert.Single((await Client.AppsV1.ListNamespacedReplicaSetAsync(ns)).Items);
        Assert.Null(rs.Metadata.OwnerReferences);
        Assert.Single((await Client.CoreV1.ListNamespacedPodAsync(ns)).Items);
    }

    [Fact]
    public async Task StatefulSet_and_DaemonSet_get_their_pods()
    {
        var ns = await fixture.Cluster.CreateNamespaceAsync();
        var labels = new Dictionary<string, string> { ["app"] = "db" };
        await Client.AppsV1.CreateNamespacedStatefulSetAsync(new V1StatefulSet
        {
            Metadata = new V1ObjectMeta { Name = "db" },
            Spec = new V1StatefulSetSpec
            {
                Replicas = 2, ServiceName = "db",
                Selector = new V1LabelSelector { MatchLabels = labels },
                Template = new V1PodTemplateSpec { Metadata = new V1ObjectMeta { Labels = labels }, Spec = new V1PodSpec { Containers = [new V1Container { Name = "db", Image = "postgres:16" }] } },
            },
        }, ns);
        var sts = await Eventually.Get(() => Client.AppsV1.ReadNamespacedStatefulSetAsync("db", ns), s => s.Status?.ReadyReplicas == 2, "statefulset ready");
        Assert.Equal(2, sts.Status.Replicas);
        var names = (await Client.CoreV1.ListNamespacedPodAsync(ns, labelSelector: "app=db")).Items.Select(p => p.Metadata.Name).Order().ToArray();
        Assert.Equal(["db-0", "db-1"], names);

        var agent = new Dictionary<string, string> { ["app"] = "agent" };
        await Client.AppsV1.CreateNamespacedDaemonSetAsync(new V1DaemonSet
        {
            Metadata = new V1ObjectMeta { Name = "agent" },
            Spec = new V1DaemonSetSpec
            {
                Selector = new V1LabelSelector { MatchLabels = agent },
                Template = new V1PodTemplateSpec
                {
                    Metadata = new V1ObjectMeta { Labels = agent },
                    Spec = new V1PodSpec
                    {
                        NodeSelector = new Dictionary<string, string> { ["node-role.kubernetes.io/edge"] = "" },
                        Containers = [new V1Container { Name = "agent", Image = "busybox:1.36" }],
                    },
                },
            },
        }, ns);
        var ds = await Eventually.Get(() => Client.AppsV1.ReadNamespacedDaemonSetAsync("agent", ns), d => d.Status?.NumberReady == 1, "daemonset ready");
        Assert.Equal(1, ds.Status.DesiredNumberScheduled);
        var pod = Assert.Single((await Client.CoreV1.ListNamespacedPodAsync(ns, labelSelector: "app=agent")).Items);
        Assert.Equal("edge-1", pod.Spec.NodeName);
    }

    [Fact]
    public async Task Server_side_apply_creates_then_merges()
    {
        var ns = await fixture.Cluster.CreateNamespaceAsync();
        var applied = """{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"ssa"},"data":{"a":"1"}}""";
        await Client.CoreV1.PatchNamespacedConfigMapAsync(new V1Patch(applied, V1Patch.PatchType.ApplyPatch), "ssa", ns, fieldManager: "test");
        var again = """{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"ssa"},"data":{"b":"2"}}""";
        var cm = await Client.CoreV1.PatchNamespacedConfigMapAsync(new V1Patch(again, V1Patch.PatchType.ApplyPatch), "ssa", ns, fieldManager: "test");
        Assert.Equal("2", cm.Data["b"]);
    }
}
