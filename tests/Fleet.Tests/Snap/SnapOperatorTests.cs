using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Fleet.Core.Platform.Storage;
using Fleet.Core.Snap;
using Fleet.Core.Snap.Operator;
using Fleet.Functions.Platform.Auth;
using Fleet.Tests.Support;
using k8s;
using k8s.Models;

namespace Fleet.Tests.Snap;

/// <summary>
/// An emulator, a registry config for the real registry (htpasswd) and a SNAP cluster that names it as its registry; the
/// operator tests start their own hosts (a host restart is one of them) on a task hub of their own.
/// </summary>
public sealed class SnapOperatorFixture : IAsyncLifetime
{
    public TestCluster Cluster { get; private set; } = null!;
    public string ClusterName { get; } = "snapop-" + Guid.NewGuid().ToString("N")[..8];
    public string RegistryConfig { get; } = "snapop-reg-" + Guid.NewGuid().ToString("N")[..8];
    public string Registry { get; } = Peers.Require("FLEET_TEST_REGISTRY");
    public HttpClient Distribution { get; private set; } = null!;
    private FleetApp? _setup;

    public static Dictionary<string, string?> Settings(string hub) => new()
    {
        ["RateLimits__Scale"] = "100",
        ["Durable__HubName"] = hub,
        ["Snap__Operator__PollInterval"] = "00:00:01",
    };

    public async Task InitializeAsync()
    {
        Cluster = await TestCluster.CreateEmulatedAsync();
        var user = Peers.Require("FLEET_TEST_REGISTRY_USER");
        var password = Peers.Require("FLEET_TEST_REGISTRY_PASSWORD");
        Distribution = new HttpClient { BaseAddress = new Uri($"http://{Registry}/"), Timeout = TimeSpan.FromSeconds(20) };
        Distribution.DefaultRequestHeaders.Authorization =
            new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}")));
        _setup = await FleetApp.StartAsync(Settings("TestSnapOpSetup" + Guid.NewGuid().ToString("N")[..8]));
        var admin = await _setup.LoginAsync(FleetRole.Admin);
        var r = await admin.PostAsJsonAsync("/api/snap/config/registry/create",
            new { name = RegistryConfig, url = $"http://{Registry}", username = user, password, verify_ssl = false });
        Assert.True(r.IsSuccessStatusCode, await r.Content.ReadAsStringAsync());
        r = await admin.PostAsJsonAsync("/api/snap/config/clusters/create", new
        {
            name = ClusterName, registry_name = RegistryConfig,
            kubeconfig_content = Convert.ToBase64String(Encoding.UTF8.GetBytes(Cluster.KubeconfigYaml(ClusterName))),
        });
        Assert.True(r.IsSuccessStatusCode, await r.Content.ReadAsStringAsync());
    }

    /// <summary>A busybox counter pod; annotated for the watcher when <paramref name="annotated"/>.</summary>
    public Task<V1Pod> CreatePodAsync(string ns, string name, bool annotated) =>
        Cluster.Client.CoreV1.CreateNamespacedPodAsync(new V1Pod
        {
            Metadata = new V1ObjectMeta
            {
                Name = name, Annotations = annotated ? new Dictionary<string, string> { [SnapWatchLoop.Annotation] = "true" } : null,
            },
            Spec = new V1PodSpec
            {
                Containers = [new V1Container { Name = "counter", Image = "busybox:1.36", Command = ["sh", "-c", "i=0; while true; do echo $i; i=$((i+1)); sleep 1; done"] }],
            },
        }, ns);

    public async Task<V1Pod?> PodAsync(string ns, string name) =>
        (await Cluster.Client.CoreV1.ListNamespacedPodAsync(ns, fieldSelector: $"metadata.name={name}")).Items.FirstOrDefault();

    /// <summary>
    /// Waits until the watcher has deleted the pod, failing at once (with the state) when its row says the pod failed,
    /// and after 4 minutes otherwise (a checkpoint and push on a loaded machine).
    /// </summary>
    public async Task WaitDeletedAsync(IServiceProvider services, string ns, string pod)
    {
        var store = services.GetRequiredService<SnapWatcherStore>();
        var fleet = services.GetRequiredService<Fleet.Core.Platform.Mesh.MeshTopics>().FleetName;
        await EventuallyAsync(async () =>
        {
            var live = await PodAsync(ns, pod);
            if (live is null) return true;
            foreach (var w in await store.ListAsync(fleet, default))
                if (await store.GetPodAsync(w.WatchId, live.Metadata.Uid, default) is { State: SnapWatcherPodState.Failed })
                    throw new Xunit.Sdk.XunitException($"the watcher failed pod {ns}/{pod}:\n{await DescribeAsync(services, ns, pod)}");
            return false;
        }, 240, $"the annotated pod {ns}/{pod}'s deletion", () => DescribeAsync(services, ns, pod));
    }

    /// <summary>
    /// Polls <paramref name="check"/> until it holds (every 250 ms), failing after <paramref name="seconds"/> with what
    /// <paramref name="describe"/> says of the state then.
    /// </summary>
    public static async Task EventuallyAsync(Func<Task<bool>> check, int seconds, string what, Func<Task<string>>? describe = null)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (!await check())
        {
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"{what} did not happen within {seconds} s" + (describe is null ? "" : "\n" + await describe()));
            await Task.Delay(250);
        }
    }

    /// <summary>
    /// For a failure message: the pod as the cluster has it, this host's watchers, and for each the pod's row and its
    /// orchestrations (the pod's and the first container's checkpoint-and-push).
    /// </summary>
    public async Task<string> DescribeAsync(IServiceProvider services, string ns, string pod)
    {
        var text = new StringBuilder();
        var live = await PodAsync(ns, pod);
        var uid = live?.Metadata?.Uid;
        text.AppendLine($"pod {ns}/{pod}: {(live is null ? "gone" : $"phase {live.Status?.Phase}, uid {uid}, node {live.Spec?.NodeName}, annotations "
            + string.Join(",", live.Metadata?.Annotations?.Select(a => $"{a.Key}={a.Value}") ?? []))}");
        var store = services.GetRequiredService<SnapWatcherStore>();
        var durable = services.GetRequiredService<Microsoft.DurableTask.Client.DurableTaskClient>();
        foreach (var w in await store.ListAsync(services.GetRequiredService<Fleet.Core.Platform.Mesh.MeshTopics>().FleetName, default))
        {
            text.AppendLine($"watcher {w.ClusterName} {w.WatchId}: rv {w.ResourceVersion}, host {w.Host}, heartbeat {w.HeartbeatAt:o}, last error {w.LastError}");
            if (uid is null) continue;
            var row = await store.GetPodAsync(w.WatchId, uid, default);
            text.AppendLine(row is null ? "  no pod row" : $"  pod row: {row.State}, checkpointed {row.Checkpointed}, pushed {row.Pushed}, error {row.Error}");
            var id = SnapWatcherPodInput.InstanceId(w.WatchId, uid);
            foreach (var instance in new[] { id, id + "-c0" })
            {
                var state = await durable.GetInstanceAsync(instance, getInputsAndOutputs: true);
                text.AppendLine(state is null ? $"  {instance}: none" : $"  {instance}: {state.RuntimeStatus}, custom {state.SerializedCustomStatus}, "
                    + $"failure {state.FailureDetails?.ErrorMessage}, updated {state.LastUpdatedAt:o}");
            }
        }
        return text.ToString();
    }

    public static async Task<(int Status, JsonNode? Body)> SendAsync(HttpClient client, HttpMethod method, string url, object? body = null)
    {
        using var request = new HttpRequestMessage(method, url);
        if (body is not null) request.Content = JsonContent.Create(body);
        using var r = await client.SendAsync(request);
        var text = await r.Content.ReadAsStringAsync();
        return ((int)r.StatusCode, text.Length == 0 ? null : JsonNode.Parse(text));
    }

    /// <summary>The watcher of this fixture's cluster in <c>operator/status</c>, or null.</summary>
    public async Task<JsonNode?> WatcherAsync(HttpClient client)
    {
        var (status, body) = await SendAsync(client, HttpMethod.Get, "/api/snap/operator/status");
        Assert.Equal(200, status);
        return body!["active_watchers"]!.AsArray().FirstOrDefault(w => (string?)w!["cluster_name"] == ClusterName);
    }

    /// <summary>The manifest under a tag, read with the distribution API, or null when the registry has none.</summary>
    public async Task<JsonNode?> ManifestAsync(string repository, string tag)
    {
        using var m = new HttpRequestMessage(HttpMethod.Get, $"v2/{repository}/manifests/{tag}");
        m.Headers.Accept.ParseAdd("application/vnd.oci.image.manifest.v1+json");
        using var r = await Distribution.SendAsync(m);
        if (r.StatusCode == System.Net.HttpStatusCode.NotFound) return null;
        r.EnsureSuccessStatusCode();
        return JsonNode.Parse(await r.Content.ReadAsStringAsync());
    }

    /// <summary>Checks the image the watcher pushed for a pod: one layer, the archive of its checkpoint, the CRI-O annotation.</summary>
    public async Task AssertPushedAsync(IServiceProvider services, string ns, string pod)
    {
        var manifest = await ManifestAsync($"snap-watcher/{ns}/{pod}", "counter");
        Assert.NotNull(manifest);
        var checkpoint = Assert.Single(await services.GetRequiredService<SnapCheckpointService>().AllAsync(default),
            c => c.Namespace == ns && c.PodName == pod);
        Assert.Equal(SnapCheckpointStatus.Completed, checkpoint.Status);
        var layer = Assert.Single(manifest["layers"]!.AsArray())!;
        Assert.Equal("sha256:" + checkpoint.Sha256, (string)layer["digest"]!);
        Assert.Equal("counter", (string)manifest["annotations"]![OciImageBuilder.CheckpointNameAnnotation]!);
    }

    public async Task DisposeAsync()
    {
        // The tables are shared with every other test: the cluster and the registry config go again.
        if (_setup is not null)
        {
            var admin = await _setup.LoginAsync(FleetRole.Admin);
            using (await admin.DeleteAsync($"/api/snap/config/clusters/delete?name={ClusterName}")) { }
            using (await admin.DeleteAsync($"/api/snap/config/registry/delete?name={RegistryConfig}")) { }
            await _setup.DisposeAsync();
        }
        Distribution.Dispose();
        await Cluster.DisposeAsync();
    }
}

/// <summary>
/// SNAP's operator end to end: the watcher on the emulator checkpoints annotated pods created after it started, pushes their
/// images to the real registry (read back with the distribution API), deletes them, leaves the others alone, stops, and
/// survives its host's restart.
/// </summary>
[Trait("Category", "Emulator")]
public sealed class SnapOperatorTests(SnapOperatorFixture f) : IClassFixture<SnapOperatorFixture>
{
    [Fact]
    public async Task Watcher_checkpoints_pushes_and_deletes_annotated_pods_only_and_stop_ends_it()
    {
        await using var app = await FleetApp.StartAsync(SnapOperatorFixture.Settings("TestSnapOp" + Guid.NewGuid().ToString("N")[..12]));
        var op = await app.LoginAsync(FleetRole.Operator);
        var viewer = await app.LoginAsync(FleetRole.Viewer);
        var ns = await f.Cluster.CreateNamespaceAsync("snapop");

        // No registry_config: the cluster's registry_name chooses it.
        var (status, body) = await SnapOperatorFixture.SendAsync(op, HttpMethod.Post, "/api/snap/operator/start",
            new { cluster_name = f.ClusterName, scope = "cluster", auto_delete_pod = true });
        Assert.True(status == 200, body?.ToJsonString());
        Assert.True((bool)body!["success"]!);
        Assert.Equal(f.RegistryConfig, (string)body["watcher"]!["registry_config"]!);
        var startedAt = (string)body["watcher"]!["started_at"]!;
        Assert.True(DateTimeOffset.TryParse(startedAt, out _), startedAt);

        (status, body) = await SnapOperatorFixture.SendAsync(op, HttpMethod.Post, "/api/snap/operator/start", new { cluster_name = f.ClusterName });
        Assert.Equal(409, status);
        Assert.Equal("CONFLICT", (string)body!["code"]!);

        // Active once a host runs it; the viewer may read the status.
        await SnapOperatorFixture.EventuallyAsync(async () => (string?)(await f.WatcherAsync(viewer))?["status"] == "active", 30, "the watcher going active");
        var (all, statusBody) = await SnapOperatorFixture.SendAsync(viewer, HttpMethod.Get, "/api/snap/operator/status");
        Assert.Equal(200, all);
        Assert.True((bool)statusBody!["running"]!);

        await f.CreatePodAsync(ns, "plain", annotated: false);
        await f.CreatePodAsync(ns, "counter", annotated: true);
        await f.WaitDeletedAsync(app.Services, ns, "counter");
        await f.AssertPushedAsync(app.Services, ns, "counter");

        // The counts are written when the pod's orchestration ends, one step after the deletion.
        await SnapOperatorFixture.EventuallyAsync(async () => (int?)(await f.WatcherAsync(viewer))?["in_progress"] == 0, 30, "the pod's outcome");
        var watcher = await f.WatcherAsync(viewer);
        Assert.NotNull(watcher);
        Assert.Equal("active", (string)watcher["status"]!);
        Assert.Equal(startedAt, (string)watcher["started_at"]!);
        Assert.Equal(1, (int)watcher["checkpointed"]!);
        Assert.Equal(1, (int)watcher["pushed"]!);
        Assert.Equal(1, (int)watcher["deleted"]!);
        Assert.Equal(0, (int)watcher["failed"]!);

        // The unannotated pod: running, never checkpointed.
        Assert.Equal("Running", (await f.PodAsync(ns, "plain"))?.Status?.Phase);
        var checkpoints = app.Services.GetRequiredService<SnapCheckpointService>();
        Assert.DoesNotContain(await checkpoints.AllAsync(default), c => c.Namespace == ns && c.PodName == "plain");

        // Stop: gone from status, and a pod annotated afterwards is left alone.
        (status, body) = await SnapOperatorFixture.SendAsync(op, HttpMethod.Post, "/api/snap/operator/stop", new { cluster_name = f.ClusterName });
        Assert.True(status == 200, body?.ToJsonString());
        Assert.Equal(1, (int)body!["watcher"]!["pushed"]!);
        Assert.Null(await f.WatcherAsync(viewer));
        await f.CreatePodAsync(ns, "after-stop", annotated: true);
        await Task.Delay(TimeSpan.FromSeconds(5));
        Assert.Equal("Running", (await f.PodAsync(ns, "after-stop"))?.Status?.Phase);
        Assert.DoesNotContain(await checkpoints.AllAsync(default), c => c.Namespace == ns && c.PodName == "after-stop");
        Assert.Empty(app.Services.GetRequiredService<SnapWatcherHost>().RunningHere);

        (status, body) = await SnapOperatorFixture.SendAsync(op, HttpMethod.Post, "/api/snap/operator/stop", new { cluster_name = f.ClusterName });
        Assert.Equal(404, status);
        Assert.False((bool)body!["success"]!);
    }

    [Fact]
    public async Task Watcher_survives_a_host_restart_and_handles_a_pod_annotated_after_it()
    {
        var hub = "TestSnapOp" + Guid.NewGuid().ToString("N")[..12];
        var ns = await f.Cluster.CreateNamespaceAsync("snapop");
        try
        {
            string startedAt;
            await using (var first = await FleetApp.StartAsync(SnapOperatorFixture.Settings(hub)))
            {
                var op = await first.LoginAsync(FleetRole.Operator);
                var (status, body) = await SnapOperatorFixture.SendAsync(op, HttpMethod.Post, "/api/snap/operator/start",
                    new { cluster_name = f.ClusterName, scope = "namespace", @namespace = ns, auto_delete_pod = true, registry_config = f.RegistryConfig });
                Assert.True(status == 200, body?.ToJsonString());
                startedAt = (string)body!["watcher"]!["started_at"]!;
                await SnapOperatorFixture.EventuallyAsync(async () => (string?)(await f.WatcherAsync(op))?["resource_version"] is not null, 30,
                    "the first list of the watch");
            }

            // While no host runs: a pod appears (not annotated yet).
            await f.CreatePodAsync(ns, "later", annotated: false);
            await SnapOperatorFixture.EventuallyAsync(async () => (await f.PodAsync(ns, "later"))?.Status?.Phase == "Running", 20, "the pod running");

            await using var second = await FleetApp.StartAsync(SnapOperatorFixture.Settings(hub));
            var viewer = await second.LoginAsync(FleetRole.Viewer);
            var watcher = await f.WatcherAsync(viewer);
            Assert.NotNull(watcher);
            Assert.Equal(startedAt, (string)watcher["started_at"]!);
            Assert.Equal(ns, (string)watcher["namespace"]!);
            // Taken up by the new host itself (the old one's heartbeat, had its shutdown not cleared it, would also read "active").
            var secondHost = second.Services.GetRequiredService<Fleet.Core.Platform.Mesh.HostIdentity>().HostId;
            await SnapOperatorFixture.EventuallyAsync(async () => await f.WatcherAsync(viewer) is { } w && (string?)w["status"] == "active"
                && (string?)w["host"] == secondHost, 45, "the new host taking the watcher up", () => f.DescribeAsync(second.Services, ns, "later"));

            var patch = new V1Patch(new JsonObject { ["metadata"] = new JsonObject { ["annotations"] = new JsonObject { [SnapWatchLoop.Annotation] = "true" } } }
                .ToJsonString(), V1Patch.PatchType.MergePatch);
            await f.Cluster.Client.CoreV1.PatchNamespacedPodAsync(patch, "later", ns);
            await f.WaitDeletedAsync(second.Services, ns, "later");
            await f.AssertPushedAsync(second.Services, ns, "later");
            await SnapOperatorFixture.EventuallyAsync(async () => (int?)(await f.WatcherAsync(viewer))?["deleted"] == 1, 20, "the count of deleted pods");

            var op2 = await second.LoginAsync(FleetRole.Operator);
            var (stopped, _) = await SnapOperatorFixture.SendAsync(op2, HttpMethod.Post, "/api/snap/operator/stop", new { cluster_name = f.ClusterName });
            Assert.Equal(200, stopped);
        }
        finally
        {
            // A pod left annotated after a failure would be taken up by the cluster-wide watcher of the next test.
            try { await f.Cluster.Client.CoreV1.DeleteNamespacedPodAsync("later", ns); }
            catch (k8s.Autorest.HttpOperationException) { }
        }
    }

    [Fact]
    public async Task Bad_input_is_a_validation_error_naming_the_field_and_writes_nothing_and_a_removed_cluster_takes_its_watcher()
    {
        var hub = "TestSnapOp" + Guid.NewGuid().ToString("N")[..12];
        await using var app = await FleetApp.StartAsync(SnapOperatorFixture.Settings(hub));
        var op = await app.LoginAsync(FleetRole.Operator);
        var viewer = await app.LoginAsync(FleetRole.Viewer);
        var cases = new (object Body, string Field)[]
        {
            (new { scope = "cluster" }, "cluster_name"),
            (new { cluster_name = f.ClusterName, scope = "everywhere" }, "scope"),
            (new { cluster_name = f.ClusterName, scope = "namespace" }, "namespace"),
            (new { cluster_name = f.ClusterName, scope = "namespace", @namespace = "Not_A_Name" }, "namespace"),
            (new { cluster_name = f.ClusterName, cluster_config = new { api_server_url = "https://elsewhere.invalid:6443" } }, "cluster_config.api_server_url"),
        };
        foreach (var (input, field) in cases)
        {
            var (status, body) = await SnapOperatorFixture.SendAsync(op, HttpMethod.Post, "/api/snap/operator/start", input);
            Assert.True(status == 400, body?.ToJsonString());
            Assert.False((bool)body!["success"]!);
            Assert.Equal("VALIDATION_ERROR", (string)body["code"]!);
            Assert.Contains($"field: {field}", (string)body["details"]!);
        }
        // A cluster that names no registry, and several registry configs: none can be chosen.
        var admin = await app.LoginAsync(FleetRole.Admin);
        var bare = "snapop-bare-" + Guid.NewGuid().ToString("N")[..8];
        var extra = "snapop-extra-" + Guid.NewGuid().ToString("N")[..8];
        using (var r = await admin.PostAsJsonAsync("/api/snap/config/clusters/create",
                   new { name = bare, kubeconfig_content = Convert.ToBase64String(Encoding.UTF8.GetBytes(f.Cluster.KubeconfigYaml(bare))) }))
            Assert.True(r.IsSuccessStatusCode, await r.Content.ReadAsStringAsync());
        using (var r = await admin.PostAsJsonAsync("/api/snap/config/registry/create",
                   new { name = extra, url = $"http://{f.Registry}", username = "u", password = "p", verify_ssl = false }))
            Assert.True(r.IsSuccessStatusCode, await r.Content.ReadAsStringAsync());
        try
        {
            var (status, body) = await SnapOperatorFixture.SendAsync(op, HttpMethod.Post, "/api/snap/operator/start", new { cluster_name = bare });
            Assert.True(status == 400, body?.ToJsonString());
            Assert.Equal("VALIDATION_ERROR", (string)body!["code"]!);
            Assert.Contains("field: registry_config", (string)body["details"]!);

            // Named explicitly, it starts; removing its cluster removes the watcher (nothing could stop it by name after).
            var quiet = "snapop-quiet-" + Guid.NewGuid().ToString("N")[..8];
            var (started, startBody) = await SnapOperatorFixture.SendAsync(op, HttpMethod.Post, "/api/snap/operator/start",
                new { cluster_name = bare, registry_config = extra, scope = "namespace", @namespace = quiet });
            Assert.True(started == 200, startBody?.ToJsonString());
            var (_, listed) = await SnapOperatorFixture.SendAsync(viewer, HttpMethod.Get, "/api/snap/operator/status");
            Assert.Contains(listed!["active_watchers"]!.AsArray(), w => (string?)w!["cluster_name"] == bare);
            using (var removed = await admin.DeleteAsync($"/api/snap/config/clusters/delete?name={bare}"))
                Assert.True(removed.IsSuccessStatusCode, await removed.Content.ReadAsStringAsync());
            var (_, after) = await SnapOperatorFixture.SendAsync(viewer, HttpMethod.Get, "/api/snap/operator/status");
            Assert.DoesNotContain(after!["active_watchers"]!.AsArray(), w => (string?)w!["cluster_name"] == bare);
        }
        finally
        {
            using (await admin.DeleteAsync($"/api/snap/config/clusters/delete?name={bare}")) { }
            using (await admin.DeleteAsync($"/api/snap/config/registry/delete?name={extra}")) { }
        }

        var (unknown, missing) = await SnapOperatorFixture.SendAsync(op, HttpMethod.Post, "/api/snap/operator/start", new { cluster_name = "no-such-cluster-x" });
        Assert.Equal(404, unknown);
        Assert.Equal("CLUSTER_NOT_FOUND", (string)missing!["code"]!);
        var (forbidden, _) = await SnapOperatorFixture.SendAsync(viewer, HttpMethod.Post, "/api/snap/operator/start", new { cluster_name = f.ClusterName });
        Assert.Equal(403, forbidden);
        var (none, _) = await SnapOperatorFixture.SendAsync(op, HttpMethod.Post, "/api/snap/operator/stop", new { cluster_name = f.ClusterName });
        Assert.Equal(404, none);

        // Nothing left: no watcher row in this fleet (the refused starts wrote none, the removed cluster took its own), status empty.
        var rows = app.Services.GetRequiredService<FleetStorage>().Table<SnapWatcherEntity>(SnapWatcherStore.Table);
        await foreach (var _ in rows.QueryAllAsync($"PartitionKey eq '{hub}'")) Assert.Fail("a refused start wrote a watcher row");
        var (ok, status2) = await SnapOperatorFixture.SendAsync(viewer, HttpMethod.Get, "/api/snap/operator/status");
        Assert.Equal(200, ok);
        Assert.False((bool)status2!["running"]!);
        Assert.Empty(status2["active_watchers"]!.AsArray());
    }
}
