using k8s;
using System.Text.Json.Nodes;
using static Fleet.Tests.Kubilitics.KubiliticsClusterFixture;

namespace Fleet.Tests.Kubilitics;

/// <summary>POST apply: server-side apply of a batch, dry-run validated first, destructive changes confirmed.</summary>
[Trait("Category", "Kubernetes")]
[Collection(KubiliticsCollection.Name)]
public sealed class KubiliticsApplyTests(KubiliticsClusterFixture f)
{
    private static string Manifest(string ns, string greeting, string image) => $"""
        apiVersion: v1
        kind: ConfigMap
        metadata:
          name: settings
          namespace: {ns}
        data:
          greeting: "{greeting}"
          port: "8080"
        ---
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: api
          namespace: {ns}
          labels: {"{"}app: api{"}"}
        spec:
          replicas: 1
          selector:
            matchLabels:
              app: api
          template:
            metadata:
              labels:
                app: api
            spec:
              containers:
              - name: api
                image: {image}
                ports:
                - containerPort: 8080
        """;

    private static List<(string Kind, string Name, string Action)> Applied(JsonNode body) =>
        body["applied"]!.AsArray().Select(a => ((string)a!["kind"]!, (string)a["name"]!, (string)a["action"]!)).ToList();

    [Fact]
    public async Task Two_documents_are_created_then_unchanged_then_configured()
    {
        var ns = await f.Cluster.CreateNamespaceAsync("apply");
        var first = await SendAsync(f.Operator, HttpMethod.Post, $"{f.Base}/apply", Manifest(ns, "hello", "nginx:1.27"), "application/yaml");
        Assert.True(first.Status == 200, first.Text);
        Assert.Equal([("ConfigMap", "settings", "created"), ("Deployment", "api", "created")], Applied(first.Body!));
        Assert.Equal(ns, (string?)first.Body!["applied"]![1]!["namespace"]);
        var cm = await f.Cluster.Client.CoreV1.ReadNamespacedConfigMapAsync("settings", ns);
        Assert.Equal("hello", cm.Data["greeting"]);
        Assert.Contains(cm.Metadata.ManagedFields, m => m.Manager == "fleet" && m.Operation == "Apply");
        var deployment = await f.Cluster.Client.AppsV1.ReadNamespacedDeploymentAsync("api", ns);
        Assert.Equal("nginx:1.27", deployment.Spec.Template.Spec.Containers[0].Image);

        var again = await SendAsync(f.Operator, HttpMethod.Post, $"{f.Base}/apply", Manifest(ns, "hello", "nginx:1.27"), "application/yaml");
        Assert.Equal([("ConfigMap", "settings", "unchanged"), ("Deployment", "api", "unchanged")], Applied(again.Body!));

        var changed = await SendAsync(f.Operator, HttpMethod.Post, $"{f.Base}/apply", Manifest(ns, "bonjour", "nginx:1.27"), "application/yaml");
        Assert.Equal([("ConfigMap", "settings", "configured"), ("Deployment", "api", "unchanged")], Applied(changed.Body!));
        Assert.Equal("bonjour", (await f.Cluster.Client.CoreV1.ReadNamespacedConfigMapAsync("settings", ns)).Data["greeting"]);

        // JSON works too (an array of objects).
        var json = new JsonArray(new JsonObject
        {
            ["apiVersion"] = "v1", ["kind"] = "ConfigMap",
            ["metadata"] = new JsonObject { ["name"] = "from-json", ["namespace"] = ns }, ["data"] = new JsonObject { ["a"] = "1" },
        }).ToJsonString();
        var viaJson = await SendAsync(f.Operator, HttpMethod.Post, $"{f.Base}/apply", json);
        Assert.Equal([("ConfigMap", "from-json", "created")], Applied(viaJson.Body!));
    }

    [Fact]
    public async Task A_namespace_and_its_objects_apply_in_one_batch()
    {
        var ns = "apply-ns-" + Guid.NewGuid().ToString("N")[..8];
        var yaml = $"apiVersion: v1\nkind: Namespace\nmetadata: {{name: {ns}}}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {{name: inside, namespace: {ns}}}\ndata: {{a: \"1\"}}\n";
        try
        {
            var r = await SendAsync(f.Operator, HttpMethod.Post, $"{f.Base}/apply", yaml, "application/yaml");
            Assert.True(r.Status == 200, r.Text);
            Assert.Equal([("Namespace", ns, "created"), ("ConfigMap", "inside", "created")], Applied(r.Body!));
            Assert.Equal("1", (await f.Cluster.Client.CoreV1.ReadNamespacedConfigMapAsync("inside", ns)).Data["a"]);
        }
        finally
        {
            await f.Cluster.Client.CoreV1.DeleteNamespaceAsync(ns);
        }
    }

    [Fact]
    public async Task An_invalid_batch_applies_nothing_and_names_the_document_and_field()
    {
        var ns = await f.Cluster.CreateNamespaceAsync("apply");
        var yaml = $"""
            apiVersion: v1
            kind: ConfigMap
            metadata: {"{"}name: first, namespace: {ns}{"}"}
            data: {"{"}a: "1"{"}"}
            ---
            apiVersion: apps/v1
            kind: Deployment
            metadata: {"{"}name: broken, namespace: {ns}{"}"}
            spec:
              selector: {"{"}matchLabels: {"{"}app: broken{"}"}{"}"}
              template:
                metadata: {"{"}labels: {"{"}app: broken{"}"}{"}"}
                spec:
                  containers:
                  - name: broken
            """;
        var r = await SendAsync(f.Operator, HttpMethod.Post, $"{f.Base}/apply", yaml, "application/yaml");
        Assert.Equal(400, r.Status);
        var error = (string)r.Body!["error"]!;
        Assert.Contains("documents[1]", error);
        Assert.Contains("spec.template.spec.containers[0].image", error);
        Assert.Null(await TestCluster.JsonOrNullAsync(() => f.Cluster.Client.CoreV1.ReadNamespacedConfigMapAsync("first", ns)));
        Assert.Null(await TestCluster.JsonOrNullAsync(() => f.Cluster.Client.AppsV1.ReadNamespacedDeploymentAsync("broken", ns)));

        var noName = await SendAsync(f.Operator, HttpMethod.Post, $"{f.Base}/apply", "apiVersion: v1\nkind: ConfigMap\nmetadata: {}\n", "application/yaml");
        Assert.Equal(400, noName.Status);
        Assert.Contains("documents[0].metadata.name", (string?)noName.Body!["error"]);
        var unknownKind = await SendAsync(f.Operator, HttpMethod.Post, $"{f.Base}/apply", "apiVersion: v9\nkind: Gadget\nmetadata: {name: x}\n", "application/yaml");
        Assert.Equal(400, unknownKind.Status);
        Assert.Equal(400, (await SendAsync(f.Operator, HttpMethod.Post, $"{f.Base}/apply", "a: [unclosed", "application/yaml")).Status);
    }

    [Fact]
    public async Task Removing_fields_fleet_applied_needs_the_confirmation_header()
    {
        var ns = await f.Cluster.CreateNamespaceAsync("apply");
        var full = $"apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: cfg, namespace: {ns}}}\ndata: {{keep: \"1\", drop: \"2\"}}\n";
        var smaller = $"apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: cfg, namespace: {ns}}}\ndata: {{keep: \"1\"}}\n";
        Assert.Equal(200, (await SendAsync(f.Operator, HttpMethod.Post, $"{f.Base}/apply", full, "application/yaml")).Status);

        var refused = await SendAsync(f.Operator, HttpMethod.Post, $"{f.Base}/apply", smaller, "application/yaml");
        Assert.Equal(400, refused.Status);
        Assert.Contains("X-Confirm-Destructive", (string?)refused.Body!["error"]);
        Assert.Contains("data.drop", (string?)refused.Body!["error"]);
        Assert.Equal("2", (await f.Cluster.Client.CoreV1.ReadNamespacedConfigMapAsync("cfg", ns)).Data["drop"]);

        var confirmed = await SendAsync(f.Operator, HttpMethod.Post, $"{f.Base}/apply", smaller, "application/yaml", confirm: true);
        Assert.Equal([("ConfigMap", "cfg", "configured")], Applied(confirmed.Body!));
        Assert.False((await f.Cluster.Client.CoreV1.ReadNamespacedConfigMapAsync("cfg", ns)).Data.ContainsKey("drop"));
    }
}
