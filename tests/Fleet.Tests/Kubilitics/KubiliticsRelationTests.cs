using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using k8s;
using k8s.Models;
using static Fleet.Tests.Kubilitics.KubiliticsClusterFixture;

namespace Fleet.Tests.Kubilitics;

/// <summary>Endpoints, consumers, tls-info, counts, search and MetalLB detection.</summary>
[Trait("Category", "Kubernetes")]
[Collection(KubiliticsCollection.Name)]
public sealed class KubiliticsRelationTests(KubiliticsClusterFixture f)
{
    [Fact]
    public async Task Consumers_and_endpoints_follow_what_pods_and_templates_refer_to()
    {
        var ns = await f.Cluster.CreateNamespaceAsync("rel");
        var c = f.Cluster.Client;
        await c.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "conf" }, Data = new Dictionary<string, string> { ["k"] = "v" } }, ns);
        await c.CoreV1.CreateNamespacedSecretAsync(new V1Secret { Metadata = new V1ObjectMeta { Name = "creds" }, StringData = new Dictionary<string, string> { ["p"] = "x" } }, ns);
        await c.CoreV1.CreateNamespacedPersistentVolumeClaimAsync(new V1PersistentVolumeClaim
        {
            Metadata = new V1ObjectMeta { Name = "data" },
            Spec = new V1PersistentVolumeClaimSpec { AccessModes = ["ReadWriteOnce"], Resources = new V1VolumeResourceRequirements { Requests = new Dictionary<string, ResourceQuantity> { ["storage"] = new("1Gi") } } },
        }, ns);
        var labels = new Dictionary<string, string> { ["app"] = "rel" };
        // A pod mounting the ConfigMap (projected) and the claim, reading the Secret through env.
        await c.CoreV1.CreateNamespacedPodAsync(new V1Pod
        {
            Metadata = new V1ObjectMeta { Name = "reader", Labels = labels },
            Spec = new V1PodSpec
            {
                Containers = [new V1Container { Name = "r", Image = "busybox:1.36", Ports = [new V1ContainerPort { ContainerPort = 8080, Name = "http" }],
                    Env = [new V1EnvVar { Name = "P", ValueFrom = new V1EnvVarSource { SecretKeyRef = new V1SecretKeySelector { Name = "creds", Key = "p" } } }] }],
                Volumes =
                [
                    new V1Volume { Name = "cfg", Projected = new V1ProjectedVolumeSource { Sources = [new V1VolumeProjection { ConfigMap = new V1ConfigMapProjection { Name = "conf" } }] } },
                    new V1Volume { Name = "data", PersistentVolumeClaim = new V1PersistentVolumeClaimVolumeSource { ClaimName = "data" } },
                ],
            },
        }, ns);
        // A Deployment template reading the ConfigMap and the Secret through envFrom (its pods use them too).
        await c.AppsV1.CreateNamespacedDeploymentAsync(new V1Deployment
        {
            Metadata = new V1ObjectMeta { Name = "envy" },
            Spec = new V1DeploymentSpec
            {
                Replicas = 0, Selector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["app"] = "envy" } },
                Template = new V1PodTemplateSpec
                {
                    Metadata = new V1ObjectMeta { Labels = new Dictionary<string, string> { ["app"] = "envy" } },
                    Spec = new V1PodSpec { Containers = [new V1Container { Name = "e", Image = "busybox:1.36", EnvFrom = [new V1EnvFromSource { ConfigMapRef = new V1ConfigMapEnvSource { Name = "conf" } }, new V1EnvFromSource { SecretRef = new V1SecretEnvSource { Name = "creds" } }] }] },
                },
            },
        }, ns);
        await c.CoreV1.CreateNamespacedServiceAsync(new V1Service { Metadata = new V1ObjectMeta { Name = "rel" }, Spec = new V1ServiceSpec { Selector = labels, Ports = [new V1ServicePort { Port = 80, TargetPort = "http", Name = "web" }] } }, ns);

        List<(string, string)> Consumers(System.Text.Json.Nodes.JsonNode body) =>
            body["consumers"]!.AsArray().Where(x => (string?)x!["kind"] is "Pod" or "Deployment").Select(x => ((string)x!["kind"]!, (string)x["name"]!)).ToList();
        var cm = (await SendAsync(f.Viewer, HttpMethod.Get, $"{f.Base}/resources/configmaps/{ns}/conf/consumers")).Body!;
        Assert.Equal([("Pod", "reader"), ("Deployment", "envy")], Consumers(cm));
        Assert.Equal(ns, (string?)cm["consumers"]![0]!["namespace"]);
        var secret = (await SendAsync(f.Viewer, HttpMethod.Get, $"{f.Base}/resources/secrets/{ns}/creds/consumers")).Body!;
        Assert.Equal([("Pod", "reader"), ("Deployment", "envy")], Consumers(secret));
        var pvc = (await SendAsync(f.Viewer, HttpMethod.Get, $"{f.Base}/resources/persistentvolumeclaims/{ns}/data/consumers")).Body!;
        Assert.Equal([("Pod", "reader")], Consumers(pvc));
        Assert.Equal(404, (await SendAsync(f.Viewer, HttpMethod.Get, $"{f.Base}/resources/configmaps/{ns}/none/consumers")).Status);

        var pod = await EventuallyAsync(async () =>
        {
            var p = await c.CoreV1.ReadNamespacedPodAsync("reader", ns);
            return p.Status?.PodIP is not null && p.Status.Phase == "Running" ? p : null;
        }, "the pod to run", 60);
        var endpoints = await EventuallyAsync(async () =>
        {
            var b = (await SendAsync(f.Viewer, HttpMethod.Get, $"{f.Base}/resources/services/{ns}/rel/endpoints")).Body!;
            return b["endpoints"]!.AsArray().Count == 1 ? b : null;
        }, "the endpoint", 60);
        var ep = endpoints["endpoints"]![0]!;
        Assert.Equal(pod.Status.PodIP, (string?)ep["ip"]);
        Assert.Equal(("Pod", "reader"), ((string?)ep["targetRef"]!["kind"], (string?)ep["targetRef"]!["name"]));
        Assert.Equal(8080, (int)ep["ports"]![0]!["port"]!);
        Assert.Equal("TCP", (string?)ep["ports"]![0]!["protocol"]);
    }

    [Fact]
    public async Task Tls_info_reads_the_certificate_the_test_made()
    {
        var ns = await f.Cluster.CreateNamespaceAsync("tls");
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=shop.example.test, O=Fleet", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName("shop.example.test");
        san.AddDnsName("www.shop.example.test");
        san.AddIpAddress(System.Net.IPAddress.Parse("10.1.2.3"));
        request.CertificateExtensions.Add(san.Build());
        var notBefore = DateTimeOffset.UtcNow.AddDays(-1);
        var notAfter = DateTimeOffset.UtcNow.AddDays(30).AddHours(12);
        using var cert = request.CreateSelfSigned(notBefore, notAfter);
        await f.Cluster.Client.CoreV1.CreateNamespacedSecretAsync(new V1Secret
        {
            Metadata = new V1ObjectMeta { Name = "shop-tls" }, Type = "kubernetes.io/tls",
            Data = new Dictionary<string, byte[]> { ["tls.crt"] = Encoding.UTF8.GetBytes(cert.ExportCertificatePem()), ["tls.key"] = Encoding.UTF8.GetBytes(key.ExportPkcs8PrivateKeyPem()) },
        }, ns);
        await f.Cluster.Client.CoreV1.CreateNamespacedSecretAsync(new V1Secret { Metadata = new V1ObjectMeta { Name = "plain" }, StringData = new Dictionary<string, string> { ["a"] = "b" } }, ns);

        var (status, body, text) = await SendAsync(f.Viewer, HttpMethod.Get, $"{f.Base}/resources/secrets/{ns}/shop-tls/tls-info");
        Assert.True(status == 200, text);
        var info = body!["certificate"]!;
        Assert.Equal(cert.Subject, (string?)info["subject"]);
        Assert.Equal(cert.Issuer, (string?)info["issuer"]);
        Assert.Equal(["shop.example.test", "www.shop.example.test", "10.1.2.3"], info["sans"]!.AsArray().Select(s => (string)s!));
        Assert.Equal(notAfter.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'"), (string?)info["validTo"]);
        Assert.Equal(notBefore.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'"), (string?)info["validFrom"]);
        Assert.Equal(30, (int)info["daysRemaining"]!);
        Assert.DoesNotContain("PRIVATE KEY", text);

        var notTls = await SendAsync(f.Viewer, HttpMethod.Get, $"{f.Base}/resources/secrets/{ns}/plain/tls-info");
        Assert.Equal(400, notTls.Status);
        Assert.Contains("kubernetes.io/tls", (string?)notTls.Body!["error"]);
    }

    [Fact]
    public async Task Counts_search_and_metallb_detection()
    {
        var ns = await f.Cluster.CreateNamespaceAsync("cnt");
        var c = f.Cluster.Client;
        var unique = "zq" + Guid.NewGuid().ToString("N")[..8];
        for (var i = 0; i < 3; i++)
            await c.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = $"{unique}-{i}" } }, ns);
        await c.CoreV1.CreateNamespacedServiceAccountAsync(new V1ServiceAccount { Metadata = new V1ObjectMeta { Name = "robot" } }, ns);
        for (var i = 0; i < 2; i++)
            await c.CoreV1.CreateNamespacedSecretAsync(new V1Secret
            {
                Metadata = new V1ObjectMeta { Name = $"robot-token-{i}", Annotations = new Dictionary<string, string> { ["kubernetes.io/service-account.name"] = "robot" } },
                Type = "kubernetes.io/service-account-token",
            }, ns);
        await c.CoreV1.CreateNamespacedPodAsync(new V1Pod
        {
            Metadata = new V1ObjectMeta { Name = "labelled", Labels = new Dictionary<string, string> { ["owner"] = unique } },
            Spec = new V1PodSpec { Containers = [new V1Container { Name = "c", Image = "busybox:1.36" }] },
        }, ns);
        var pvName = unique + "-pv";
        await c.CoreV1.CreatePersistentVolumeAsync(new V1PersistentVolume
        {
            Metadata = new V1ObjectMeta { Name = pvName },
            Spec = new V1PersistentVolumeSpec { StorageClassName = "standard", Capacity = new Dictionary<string, ResourceQuantity> { ["storage"] = new("1Gi") }, AccessModes = ["ReadWriteOnce"], HostPath = new V1HostPathVolumeSource { Path = "/tmp/" + unique } },
        });
        try
        {
            var counts = (await SendAsync(f.Viewer, HttpMethod.Get, $"{f.Base}/resources/namespaces/counts")).Body!;
            Assert.Equal(3, (int)counts[ns]!["configmaps"]! - (await c.CoreV1.ListNamespacedConfigMapAsync(ns)).Items.Count(x => !x.Metadata.Name.StartsWith(unique)));
            Assert.Equal(1, (int)counts[ns]!["pods"]!);
            Assert.Equal(0, (int)counts[ns]!["deployments"]!);

            var tokens = (await SendAsync(f.Viewer, HttpMethod.Get, $"{f.Base}/resources/serviceaccounts/token-counts")).Body!;
            Assert.Equal(2, (int)tokens[ns]!["robot"]!);

            var pv = (await SendAsync(f.Viewer, HttpMethod.Get, $"{f.Base}/resources/storageclasses/pv-counts")).Body!;
            var expected = (await c.CoreV1.ListPersistentVolumeAsync()).Items.Count(p => p.Spec.StorageClassName == "standard");
            Assert.Equal(expected, (int)pv["standard"]!);

            var found = (await SendAsync(f.Viewer, HttpMethod.Get, $"{f.Base}/search?q={unique}&limit=4")).Body!["results"]!.AsArray();
            Assert.Equal(4, found.Count);
            Assert.Equal(("name", "ConfigMap"), ((string?)found[0]!["match"], (string?)found[0]!["kind"]));
            Assert.Equal([$"{unique}-0", $"{unique}-1", $"{unique}-2", pvName], found.Select(r => (string)r!["name"]!));
            var byLabel = (await SendAsync(f.Viewer, HttpMethod.Get, $"{f.Base}/search?q=owner%3D{unique}")).Body!["results"]!.AsArray();
            var hit = Assert.Single(byLabel);
            Assert.Equal(("Pod", "labelled", "label"), ((string?)hit!["kind"], (string?)hit["name"], (string?)hit["match"]));
            Assert.Equal(400, (await SendAsync(f.Viewer, HttpMethod.Get, $"{f.Base}/search")).Status);
        }
        finally
        {
            Assert.Equal(200, (await SendAsync(f.Operator, HttpMethod.Delete, $"{f.Base}/resources/persistentvolumes/-/{pvName}", confirm: true)).Status);
        }
    }

    [Fact]
    public async Task Metallb_is_detected_from_its_crds_and_controller()
    {
        var ns = await f.Cluster.CreateNamespaceAsync("metallb");
        var c = f.Cluster.Client;
        var crdName = "ipaddresspools.metallb.io";
        var existing = await TestCluster.JsonOrNullAsync(() => c.ApiextensionsV1.ReadCustomResourceDefinitionAsync(crdName));
        if (existing is null)
            await c.ApiextensionsV1.CreateCustomResourceDefinitionAsync(new V1CustomResourceDefinition
            {
                Metadata = new V1ObjectMeta { Name = crdName },
                Spec = new V1CustomResourceDefinitionSpec
                {
                    Group = "metallb.io", Scope = "Namespaced",
                    Names = new V1CustomResourceDefinitionNames { Plural = "ipaddresspools", Singular = "ipaddresspool", Kind = "IPAddressPool" },
                    Versions = [new V1CustomResourceDefinitionVersion { Name = "v1beta1", Served = true, Storage = true, Schema = new V1CustomResourceValidation { OpenAPIV3Schema = new V1JSONSchemaProps { Type = "object", XKubernetesPreserveUnknownFields = true } } }],
                },
            });
        try
        {
            var labels = new Dictionary<string, string> { ["app"] = "metallb", ["component"] = "controller" };
            await c.AppsV1.CreateNamespacedDeploymentAsync(new V1Deployment
            {
                Metadata = new V1ObjectMeta { Name = "controller", Labels = labels },
                Spec = new V1DeploymentSpec
                {
                    Replicas = 0, Selector = new V1LabelSelector { MatchLabels = labels },
                    Template = new V1PodTemplateSpec { Metadata = new V1ObjectMeta { Labels = labels }, Spec = new V1PodSpec { Containers = [new V1Container { Name = "controller", Image = "quay.io/metallb/controller:v0.14.5" }] } },
                },
            }, ns);
            var body = (await SendAsync(f.Viewer, HttpMethod.Get, $"{f.Base}/features/metallb")).Body!;
            Assert.True((bool)body["enabled"]!);
            Assert.Equal("0.14.5", (string?)body["version"]);
            Assert.Contains(crdName, body["crds"]!.AsArray().Select(x => (string?)x));
        }
        finally
        {
            if (existing is null) await c.ApiextensionsV1.DeleteCustomResourceDefinitionAsync(crdName);
        }
    }
}
