using System.Net;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace Fleet.KubeEmulator.Tests;

/// <summary>admissionregistration.k8s.io/v1 on the emulator: discovery, validation, and failurePolicy of mutating webhooks on create.</summary>
[Collection("emulator")]
[Trait("Category", "Emulator")]
public sealed class WebhookTests(EmulatorFixture fixture)
{
    private Kubernetes Client => fixture.Cluster.Client;

    [Fact]
    public async Task Mutating_webhook_configurations_are_served_validated_and_their_failure_policy_honoured()
    {
        var resources = await Client.AdmissionregistrationV1.GetAPIResourcesAsync();
        var mutating = resources.Resources.Single(r => r.Name == "mutatingwebhookconfigurations");
        Assert.Equal(("MutatingWebhookConfiguration", false), (mutating.Kind, mutating.Namespaced));
        Assert.Contains(resources.Resources, r => r.Name == "validatingwebhookconfigurations");

        var ns = await fixture.Cluster.CreateNamespaceAsync("webhook");
        var name = "unreachable-" + ns;
        var config = Config(name, ns, sideEffects: null, failurePolicy: "Fail");
        var invalid = await Assert.ThrowsAsync<HttpOperationException>(() => Client.AdmissionregistrationV1.CreateMutatingWebhookConfigurationAsync(config));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, invalid.Response.StatusCode);
        Assert.Contains("webhooks[0].sideEffects", invalid.Response.Content);

        config.Webhooks[0].SideEffects = "None";
        var created = await Client.AdmissionregistrationV1.CreateMutatingWebhookConfigurationAsync(config);
        Assert.Equal(("Equivalent", 10, "Never"), (created.Webhooks[0].MatchPolicy, created.Webhooks[0].TimeoutSeconds, created.Webhooks[0].ReinvocationPolicy));
        try
        {
            // Nothing listens on the webhook's port: Fail refuses the pod, as the API server does.
            var refused = await Assert.ThrowsAsync<HttpOperationException>(() => Client.CoreV1.CreateNamespacedPodAsync(Pod("refused"), ns));
            Assert.Equal(HttpStatusCode.InternalServerError, refused.Response.StatusCode);
            Assert.Contains($"failed calling webhook \\\"hook.{ns}.example.com\\\"", refused.Response.Content);
            await Assert.ThrowsAsync<HttpOperationException>(() => Client.CoreV1.ReadNamespacedPodAsync("refused", ns));

            created.Webhooks[0].FailurePolicy = "Ignore";
            await Client.AdmissionregistrationV1.ReplaceMutatingWebhookConfigurationAsync(created, name);
            var admitted = await Client.CoreV1.CreateNamespacedPodAsync(Pod("admitted"), ns);
            Assert.Equal("busybox:1.36", admitted.Spec.Containers[0].Image);
        }
        finally
        {
            await Client.AdmissionregistrationV1.DeleteMutatingWebhookConfigurationAsync(name);
        }
    }

    private static V1MutatingWebhookConfiguration Config(string name, string ns, string? sideEffects, string failurePolicy) => new()
    {
        Metadata = new V1ObjectMeta { Name = name },
        Webhooks =
        [
            new V1MutatingWebhook
            {
                Name = $"hook.{ns}.example.com",
                ClientConfig = new Admissionregistrationv1WebhookClientConfig { Url = "https://127.0.0.1:1/mutate" },
                Rules = [new V1RuleWithOperations { Operations = ["CREATE"], ApiGroups = [""], ApiVersions = ["v1"], Resources = ["pods"] }],
                // Only this test's namespace, so pods of other tests never reach it.
                NamespaceSelector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["kubernetes.io/metadata.name"] = ns } },
                SideEffects = sideEffects,
                FailurePolicy = failurePolicy,
                AdmissionReviewVersions = ["v1"],
            },
        ],
    };

    private static V1Pod Pod(string name) => new()
    {
        Metadata = new V1ObjectMeta { Name = name },
        Spec = new V1PodSpec { Containers = [new V1Container { Name = "main", Image = "busybox:1.36" }] },
    };
}
