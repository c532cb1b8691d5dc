using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;
using Azure.Data.Tables;
using Fleet.Core.Platform.Storage;
using Fleet.Core.Snap.Hooks;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Microsoft.Extensions.DependencyInjection;

namespace Fleet.Tests.Snap;

/// <summary>
/// SnapHooks end to end on the emulator: create writes the CA and serving certificate as a kubernetes.io/tls Secret,
/// start writes the MutatingWebhookConfiguration, and the emulator's API server then calls Fleet's admit route over
/// TLS (a loopback TLS terminator presents the hook's own certificate; the emulator trusts only the caBundle) and
/// applies the JSONPatch to the pod being created; stop removes the configuration.
/// </summary>
[Collection(SnapCollection.Name)]
[Trait("Category", "Emulator")]
public sealed class SnapHookTests(SnapFixture f)
{
    private const string CheckpointImage = "127.0.0.1:5000/checkpoints/counter:checkpoint-20260101";

    [Fact]
    public async Task Create_start_admit_and_stop_a_hook()
    {
        var ns = await f.Cluster.CreateNamespaceAsync("hook");
        var apps = await f.Cluster.CreateNamespaceAsync("restore");
        await using var front = TlsTerminator.Start(f.App.BaseAddress);
        var name = "hook-" + Guid.NewGuid().ToString("N")[..8];
        var url = $"https://127.0.0.1:{front.Port}/api/snap/snaphook/{name}/admit";
        var create = new
        {
            name, cluster_name = f.ClusterName, cluster_config = new { api_server_url = f.Cluster.ServerUrl },
            webhook_url = url, @namespace = ns, cert_expiry_days = 30,
        };
        var (status, created) = await f.PostAsync(f.Operator, "/api/snap/snaphook", create);
        Assert.True(status == 201, created?.ToJsonString());
        Assert.Equal("created", (string)created!["snaphook"]!["status"]!);

        // The Secret: the serving certificate chains to ca.crt, names the webhook's host, lives the days asked for.
        var secret = await f.Cluster.Client.CoreV1.ReadNamespacedSecretAsync(name + "-tls", ns);
        Assert.Equal("kubernetes.io/tls", secret.Type);
        string Pem(string key) => Encoding.ASCII.GetString(secret.Data[key]);
        using var ca = X509Certificate2.CreateFromPem(Pem("ca.crt"));
        using var serving = X509Certificate2.CreateFromPem(Pem("tls.crt"), Pem("tls.key"));
        Assert.True(ca.Extensions.OfType<X509BasicConstraintsExtension>().Single().CertificateAuthority);
        using (var chain = new X509Chain())
        {
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.Add(ca);
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            chain.ChainPolicy.ApplicationPolicy.Add(new System.Security.Cryptography.Oid("1.3.6.1.5.5.7.3.1"));
            Assert.True(chain.Build(serving), string.Join("; ", chain.ChainStatus.Select(s => s.StatusInformation)));
        }
        Assert.Contains(IPAddress.Loopback, serving.Extensions.OfType<X509SubjectAlternativeNameExtension>().Single().EnumerateIPAddresses());
        Assert.InRange(serving.NotAfter.ToUniversalTime(), DateTime.UtcNow.AddDays(30).AddMinutes(-10), DateTime.UtcNow.AddDays(30).AddMinutes(1));
        var keyBody = Pem("tls.key").Split('\n')[1];

        var (again, conflict) = await f.PostAsync(f.Operator, "/api/snap/snaphook", create);
        Assert.Equal(409, again);
        Assert.False((bool)conflict!["success"]!);

        var listed = await f.Viewer.GetStringAsync("/api/snap/snaphook/list");
        var hook = JsonNode.Parse(listed)!["snaphooks"]!.AsArray().Single(h => (string)h!["name"]! == name)!;
        Assert.Equal(ns, (string)hook["namespace"]!);
        Assert.Equal(url, (string)hook["webhook_url"]!);
        Assert.Equal(serving.NotAfter.ToUniversalTime().ToString("yyyy-MM-ddTHH:mm:ssZ"), (string)hook["cert_expires_at"]!);
        var row = await f.App.Services.GetRequiredService<FleetStorage>().Table<TableEntity>(SnapHookService.Table).GetAsync("hook", name);
        var stored = string.Join("\n", ((IDictionary<string, object>)row!).Values.Select(v => v?.ToString()));
        Assert.Contains(Pem("ca.crt").Trim(), stored);
        foreach (var text in new[] { created.ToJsonString(), listed, stored })
        {
            Assert.DoesNotContain("PRIVATE KEY", text);
            Assert.DoesNotContain(keyBody, text);
        }

        var (started, start) = await f.PostAsync(f.Operator, $"/api/snap/snaphook/{name}/start", new { });
        Assert.True(started == 200, start?.ToJsonString());
        Assert.Equal("active", (string)start!["snaphook"]!["status"]!);
        try
        {
            var config = await f.Cluster.Client.AdmissionregistrationV1.ReadMutatingWebhookConfigurationAsync(name);
            var webhook = Assert.Single(config.Webhooks);
            Assert.Equal(url, webhook.ClientConfig.Url);
            Assert.Equal(secret.Data["ca.crt"], webhook.ClientConfig.CaBundle);
            Assert.Equal(("Ignore", "None"), (webhook.FailurePolicy, webhook.SideEffects));
            Assert.Equal(["v1"], webhook.AdmissionReviewVersions);
            var rule = Assert.Single(webhook.Rules);
            Assert.Equal(["CREATE"], rule.Operations);
            Assert.Equal(["pods"], rule.Resources);

            // The API server (emulator) calls the hook over TLS on pod create and applies its patch.
            front.Certificate = serving;
            var restored = await f.Cluster.Client.CoreV1.CreateNamespacedPodAsync(Pod("restored", new Dictionary<string, string>
            {
                ["snap.io/restore-from"] = CheckpointImage, ["snap.io/restore-container"] = "counter",
            }), apps);
            Assert.Equal(["busybox:1.36", CheckpointImage], restored.Spec.Containers.Select(c => c.Image).ToArray());
            var plain = await f.Cluster.Client.CoreV1.CreateNamespacedPodAsync(Pod("plain", null), apps);
            Assert.Equal(["busybox:1.36", "busybox:1.36"], plain.Spec.Containers.Select(c => c.Image).ToArray());
            Assert.True(front.Handshakes >= 2, $"the API server reached the webhook {front.Handshakes} times");

            // The answers themselves, as the API server receives them.
            var annotated = await AdmitAsync(name, Review("uid-annotated", Pod("a", new Dictionary<string, string> { ["snap.io/restore-from"] = CheckpointImage })));
            Assert.Equal("uid-annotated", (string)annotated["response"]!["uid"]!);
            Assert.True((bool)annotated["response"]!["allowed"]!);
            Assert.Equal("JSONPatch", (string)annotated["response"]!["patchType"]!);
            var patch = JsonNode.Parse(Convert.FromBase64String((string)annotated["response"]!["patch"]!))!.ToJsonString();
            Assert.Equal($$"""[{"op":"replace","path":"/spec/containers/0/image","value":"{{CheckpointImage}}"}]""", patch);
            var other = await AdmitAsync(name, Review("uid-other", Pod("b", null)));
            Assert.Equal("uid-other", (string)other["response"]!["uid"]!);
            Assert.True((bool)other["response"]!["allowed"]!);
            Assert.Null(other["response"]!["patch"]);

            using var malformed = await f.App.CreateClient().PostAsync($"/api/snap/snaphook/{name}/admit",
                new StringContent("""{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"kind":{"kind":"Pod"}}}""", Encoding.UTF8, "application/json"));
            var error = JsonNode.Parse(await malformed.Content.ReadAsStringAsync())!;
            Assert.Equal(HttpStatusCode.BadRequest, malformed.StatusCode);
            Assert.Equal("VALIDATION_ERROR", (string)error["code"]!);
            Assert.Contains("request.uid", (string)error["details"]!);
        }
        finally
        {
            var (stopped, stop) = await f.PostAsync(f.Operator, $"/api/snap/snaphook/{name}/stop", new { });
            Assert.True(stopped == 200, stop?.ToJsonString());
            Assert.Equal("stopped", (string)stop!["snaphook"]!["status"]!);
        }
        var gone = await Assert.ThrowsAsync<HttpOperationException>(() => f.Cluster.Client.AdmissionregistrationV1.ReadMutatingWebhookConfigurationAsync(name));
        Assert.Equal(HttpStatusCode.NotFound, gone.Response.StatusCode);
        using var afterStop = await f.App.CreateClient().PostAsJsonAsync($"/api/snap/snaphook/{name}/admit", Review("uid-late", Pod("c", null)));
        Assert.Equal(HttpStatusCode.NotFound, afterStop.StatusCode);
        var (unknown, missing) = await f.PostAsync(f.Operator, "/api/snap/snaphook/no-such-hook/start", new { });
        Assert.Equal(404, unknown);
        Assert.False((bool)missing!["success"]!);
    }

    [Fact]
    public async Task Bad_input_is_a_400_naming_the_field_and_writes_nothing()
    {
        var ns = await f.Cluster.CreateNamespaceAsync("hookbad");
        var name = "bad-" + Guid.NewGuid().ToString("N")[..8];
        object Body(string? n = null, string? url = "https://127.0.0.1:9443/hook", string? space = "", int days = 30, string? cluster = null) =>
            new { name = n ?? name, cluster_name = cluster ?? f.ClusterName, webhook_url = url, @namespace = space == "" ? ns : space, cert_expiry_days = days };
        foreach (var (body, field) in new (object, string)[]
                 {
                     (Body(n: "Not_A_Name"), "name"),
                     (Body(url: "http://127.0.0.1:9443/hook"), "webhook_url"),
                     (Body(days: 0), "cert_expiry_days"),
                     (Body(days: 3651), "cert_expiry_days"),
                     (Body(space: null), "namespace"),
                     (Body(space: "no-such-namespace-" + name), "namespace"),
                 })
        {
            var (status, error) = await f.PostAsync(f.Operator, "/api/snap/snaphook", body);
            Assert.True(status == 400, error?.ToJsonString());
            Assert.Equal("VALIDATION_ERROR", (string)error!["code"]!);
            Assert.Contains($"field: {field}", (string)error["details"]!);
        }
        var (notFound, cluster) = await f.PostAsync(f.Operator, "/api/snap/snaphook", Body(cluster: "no-such-cluster"));
        Assert.Equal(404, notFound);
        Assert.Equal("CLUSTER_NOT_FOUND", (string)cluster!["code"]!);

        var list = JsonNode.Parse(await f.Viewer.GetStringAsync("/api/snap/snaphook/list"))!["snaphooks"]!.AsArray();
        Assert.DoesNotContain(list, h => (string)h!["name"]! == name);
        Assert.Empty((await f.Cluster.Client.CoreV1.ListNamespacedSecretAsync(ns)).Items);
    }

    private async Task<JsonObject> AdmitAsync(string hook, JsonObject review)
    {
        using var r = await f.App.CreateClient().PostAsJsonAsync($"/api/snap/snaphook/{hook}/admit", review);
        var text = await r.Content.ReadAsStringAsync();
        Assert.True(r.StatusCode == HttpStatusCode.OK, text);
        return JsonNode.Parse(text)!.AsObject();
    }

    private static V1Pod Pod(string name, IDictionary<string, string>? annotations) => new()
    {
        ApiVersion = "v1", Kind = "Pod",
        Metadata = new V1ObjectMeta { Name = name, Annotations = annotations },
        Spec = new V1PodSpec
        {
            Containers =
            [
                new V1Container { Name = "sidecar", Image = "busybox:1.36", Command = ["sleep", "3600"] },
                new V1Container { Name = "counter", Image = "busybox:1.36", Command = ["sh", "-c", "sleep 3600"] },
            ],
        },
    };

    private static JsonObject Review(string uid, V1Pod pod) => new()
    {
        ["apiVersion"] = "admission.k8s.io/v1",
        ["kind"] = "AdmissionReview",
        ["request"] = new JsonObject
        {
            ["uid"] = uid,
            ["kind"] = new JsonObject { ["group"] = "", ["version"] = "v1", ["kind"] = "Pod" },
            ["resource"] = new JsonObject { ["group"] = "", ["version"] = "v1", ["resource"] = "pods" },
            ["operation"] = "CREATE",
            ["namespace"] = "default",
            ["object"] = JsonNode.Parse(KubernetesJson.Serialize(pod)),
        },
    };
}
