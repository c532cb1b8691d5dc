using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Fleet.Core.Snap;
using Fleet.Tests.Support;
using Microsoft.DurableTask.Client;

namespace Fleet.Tests.Snap;

/// <summary>
/// Checkpoint images end to end: the emulator's kubelet checkpoints a pod, the archive goes to Blob storage, and the image CRI-O
/// restores from lands in the real registry (htpasswd), read back with the distribution API.
/// </summary>
[Collection(SnapCollection.Name)]
[Trait("Category", "Emulator")]
public sealed class SnapPushRouteTests(SnapFixture f)
{
    private readonly string _registry = Peers.Require("FLEET_TEST_REGISTRY");
    private readonly string _user = Peers.Require("FLEET_TEST_REGISTRY_USER");
    private readonly string _password = Peers.Require("FLEET_TEST_REGISTRY_PASSWORD");

    [Fact]
    public async Task Checkpoint_and_push_ends_with_a_manifest_whose_layer_is_the_archive_and_reports_progress()
    {
        var (ns, pod, node) = await f.RunningPodAsync();
        var config = "reg-" + Guid.NewGuid().ToString("N")[..8];
        var created = await f.Admin.PostAsJsonAsync("/api/snap/config/registry/create",
            new { name = config, url = $"http://{_registry}", username = _user, password = _password, verify_ssl = false });
        Assert.True(created.IsSuccessStatusCode, await created.Content.ReadAsStringAsync());
        var image = "fleet-test/" + config;

        using var ws = new ClientWebSocket();
        ws.Options.SetRequestHeader("Authorization", f.Operator.DefaultRequestHeaders.Authorization!.ToString());
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(4));
        await ws.ConnectAsync(new Uri(f.App.BaseAddress.ToString().Replace("http://", "ws://") + "api/snap/ws/progress"), timeout.Token);
        // Read all along (a client that stops reading stops answering the server's pings), until this push's last message.
        var received = new List<JsonNode>();
        var collector = Task.Run(async () =>
        {
            while (true)
            {
                var m = JsonNode.Parse(await ReceiveAsync(ws, timeout.Token))!;
                received.Add(m);
                if ((string?)m["stage"] == "completed" && (string?)m["task_name"] == "Checkpoint and push") return;
            }
        });

        var (status, body) = await PushAsync(
            $"/api/snap/checkpoint/kubelet/checkpoint-and-push?pod_name={pod}&node_name={node}&container_name=counter&checkpoint_config_name={config}",
            new { @namespace = ns, cluster = f.ClusterName, registry = config, image_name = image, tag = "v1" });
        Assert.True(status is 200 or 202 && (bool)body!["success"]!, body?.ToJsonString());
        var digest = (string)body!["digest"]!;
        Assert.Equal($"{_registry}/{image}:v1@{digest}", (string)body["image"]!);
        var operation = (string)body["operation_id"]!;

        var checkpoint = await f.App.Services.GetRequiredService<SnapCheckpointService>().GetAsync((string)body["checkpoint_id"]!, default);
        var manifest = await ManifestAsync(image, "v1");
        var layer = Assert.Single(manifest["layers"]!.AsArray())!;
        Assert.Equal("sha256:" + checkpoint.Sha256, (string)layer["digest"]!);
        Assert.Equal(checkpoint.Size, (long)layer["size"]!);
        Assert.Equal("counter", (string)manifest["annotations"]![OciImageBuilder.CheckpointNameAnnotation]!);
        Assert.Equal(digest, await ManifestDigestAsync(image, digest));

        // Progress: the orchestration's custom status, and the socket's messages for this operation, bytes included.
        var instance = await f.App.Services.GetRequiredService<DurableTaskClient>().GetInstanceAsync(operation, true);
        var custom = JsonNode.Parse(instance!.SerializedCustomStatus!)!;
        Assert.Equal("completed", (string)custom["stage"]!);
        Assert.Equal(checkpoint.Size, (long)custom["bytes"]!);
        await collector.WaitAsync(TimeSpan.FromSeconds(30));
        var stages = new List<string>();
        foreach (var m in received.Where(m => (string?)m["operation_id"] == operation))
        {
            stages.Add((string)m["stage"]!);
            if ((string)m["stage"]! == "pushing_layer") Assert.True((long)m["bytes"]! > 0 && (long)m["total_bytes"]! == checkpoint.Size);
        }
        Assert.Equal(["checkpointing", "checkpointed", "preparing", "image_built", "pushing_layer", "layer_pushed", "completed"], stages.Distinct());

        // The same checkpoint pushed again as {username}/{checkpoint_name}: the registry already has the layer.
        var (again, second) = await PushAsync("/api/snap/registry/create_and_push_checkpoint_container",
            new { checkpoint_name = "again", username = config, pod_name = pod, checkpoint_config_name = config, checkpoint = checkpoint.Id });
        Assert.True(again is 200 or 202 && (bool)second!["success"]!, second?.ToJsonString());
        var copy = await ManifestAsync($"{config}/again", "latest");
        Assert.Equal("sha256:" + checkpoint.Sha256, (string)copy["layers"]![0]!["digest"]!);
        await ws.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "bye", timeout.Token);
    }

    [Fact]
    public async Task Automation_with_a_wrong_password_is_authentication_failed_leaves_no_manifest_and_keeps_the_password_out_of_history()
    {
        var (ns, pod, node) = await f.RunningPodAsync();
        var wrong = "wrong-" + Guid.NewGuid().ToString("N");
        var image = "denied-" + Guid.NewGuid().ToString("N")[..8];
        var (status, body) = await PushAsync("/api/snap/automation/trigger", new
        {
            pod_name = pod, @namespace = ns, node_name = node, container_name = "counter", cluster_name = f.ClusterName,
            registry = $"http://{_registry}", username = _user, password = wrong, image_name = image,
        });
        Assert.True(status is 401 or 202, body?.ToJsonString());
        Assert.Equal("AUTHENTICATION_FAILED", (string)body!["code"]!);
        Assert.False((bool)body["success"]!);
        Assert.DoesNotContain(wrong, body.ToJsonString());
        using var tags = await DistributionAsync(HttpMethod.Get, $"v2/{_user}/{image}/manifests/latest");
        Assert.Equal(System.Net.HttpStatusCode.NotFound, tags.StatusCode);

        // The orchestrations' inputs, outputs and status hold a reference id, never the password; the reference is revoked.
        var durable = f.App.Services.GetRequiredService<DurableTaskClient>();
        var instances = new List<OrchestrationMetadata>();
        await foreach (var i in durable.GetAllInstancesAsync(new OrchestrationQuery { FetchInputsAndOutputs = true, CreatedFrom = DateTimeOffset.UtcNow.AddMinutes(-5) }))
            instances.Add(i);
        var mine = instances.Where(i => i.SerializedInput?.Contains(image) == true).ToList();
        Assert.NotEmpty(mine);
        foreach (var i in mine)
            Assert.DoesNotContain(wrong, i.SerializedInput + i.SerializedOutput + i.SerializedCustomStatus);
        var reference = JsonNode.Parse(mine[0].SerializedInput!)!["Registry"] ?? JsonNode.Parse(mine[0].SerializedInput!)!["registry"];
        var refId = (string)reference!["Id"]! ?? (string)reference["id"]!;
        var row = await f.App.Services.GetRequiredService<Fleet.Core.Platform.Storage.FleetStorage>()
            .Table<CredentialRefEntity>(RegistryCredentialVault.Table).GetAsync("ref", refId);
        Assert.Null(row);
    }

    /// <summary>
    /// POSTs a push route as a client would: a 200 or an error is the answer; a 202 (a slow machine) is followed to the end of its
    /// operation, whose output is then the answer (snake_case, with the operation id).
    /// </summary>
    private async Task<(int Status, JsonNode? Body)> PushAsync(string url, object body)
    {
        using var http = new HttpClient { BaseAddress = f.App.BaseAddress, Timeout = TimeSpan.FromMinutes(4) };
        http.DefaultRequestHeaders.Authorization = f.Operator.DefaultRequestHeaders.Authorization;
        using var r = await http.PostAsJsonAsync(url, body);
        var answer = JsonNode.Parse(await r.Content.ReadAsStringAsync());
        if ((int)r.StatusCode != 202) return ((int)r.StatusCode, answer);
        var id = (string)answer!["operation_id"]!;
        Assert.EndsWith(id, r.Headers.Location!.AbsolutePath);
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(4));
        var done = await f.App.Services.GetRequiredService<DurableTaskClient>().WaitForInstanceCompletionAsync(id, true, cts.Token);
        Assert.Equal(OrchestrationRuntimeStatus.Completed, done.RuntimeStatus);
        var output = JsonSerializer.SerializeToNode(done.ReadOutputAs<Fleet.Orchestrations.Snap.SnapPushOutput>(), Fleet.Core.Platform.Json.FleetJson.Options)!;
        output["operation_id"] = id;
        return (202, output);
    }

    private async Task<HttpResponseMessage> DistributionAsync(HttpMethod method, string path, string? accept = null)
    {
        using var http = new HttpClient { BaseAddress = new Uri($"http://{_registry}/"), Timeout = TimeSpan.FromSeconds(20) };
        var m = new HttpRequestMessage(method, path);
        m.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{_user}:{_password}")));
        if (accept is not null) m.Headers.Accept.ParseAdd(accept);
        var r = await http.SendAsync(m);
        await r.Content.LoadIntoBufferAsync();
        return r;
    }

    private async Task<JsonNode> ManifestAsync(string repository, string reference)
    {
        using var r = await DistributionAsync(HttpMethod.Get, $"v2/{repository}/manifests/{reference}", OciRegistryClient.ManifestMediaType);
        Assert.True(r.IsSuccessStatusCode, $"manifest {repository}:{reference}: {(int)r.StatusCode}");
        Assert.Equal(OciRegistryClient.ManifestMediaType, r.Content.Headers.ContentType!.MediaType);
        return JsonNode.Parse(await r.Content.ReadAsStringAsync())!;
    }

    private async Task<string> ManifestDigestAsync(string repository, string reference)
    {
        using var r = await DistributionAsync(HttpMethod.Head, $"v2/{repository}/manifests/{reference}", OciRegistryClient.ManifestMediaType);
        return r.Headers.GetValues("Docker-Content-Digest").Single();
    }

    private static async Task<string> ReceiveAsync(ClientWebSocket ws, CancellationToken ct)
    {
        var buffer = new byte[65536];
        var sb = new StringBuilder();
        while (true)
        {
            var r = await ws.ReceiveAsync(buffer, ct);
            if (r.MessageType == WebSocketMessageType.Close) throw new InvalidOperationException("closed by server");
            sb.Append(Encoding.UTF8.GetString(buffer, 0, r.Count));
            if (r.EndOfMessage) return sb.ToString();
        }
    }
}
