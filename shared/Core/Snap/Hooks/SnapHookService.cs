using System.Text;
using System.Text.RegularExpressions;
using Fleet.Core.Kubernetes;
using Fleet.Core.Kubilitics;
using Fleet.Core.Platform.Errors;
using Fleet.Core.Platform.Storage;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;

namespace Fleet.Core.Snap.Hooks;

public sealed record SnapHookRequest(string? Name, string? ClusterName, string? ApiServerUrl, string? WebhookUrl, string? Namespace, int? CertExpiryDays);

/// <summary>
/// SnapHooks: a CA and serving certificate per hook in a <c>kubernetes.io/tls</c> Secret of the cluster, and a
/// <c>MutatingWebhookConfiguration</c> (named after the hook) that sends pod creations to <c>webhook_url</c>,
/// where Fleet's admit route answers (<see cref="RestoreAdmission"/>). Rows in <c>snapHooks</c>.
/// </summary>
public sealed partial class SnapHookService(FleetStorage storage, ClusterRegistry clusters, ILogger<SnapHookService> log)
{
    public const string Table = "snapHooks";
    public const string FieldManager = "fleet-snap-hook";
    public const int MaxExpiryDays = 3650;
    private TableStore<SnapHookEntity> Rows => storage.Table<SnapHookEntity>(Table);

    public static string SecretName(string hook) => hook + "-tls";

    /// <summary>The webhook's name inside the configuration: a fully qualified name, as the API server requires.</summary>
    public static string WebhookName(string hook) => $"restore.{hook}.snap.io";

    /// <summary>Validates everything first, then writes the Secret, then the row; a failure after the Secret removes it.</summary>
    public async Task<SnapHookEntity> CreateAsync(SnapHookRequest body, CancellationToken ct)
    {
        var name = DnsLabel(body.Name, "name");
        if (string.IsNullOrWhiteSpace(body.ClusterName)) throw FleetException.Validation("cluster_name", "cluster_name is required");
        var webhook = WebhookUrl(body.WebhookUrl);
        var ns = DnsLabel(body.Namespace, "namespace");
        var days = body.CertExpiryDays ?? 365;
        if (days is < 1 or > MaxExpiryDays) throw FleetException.Validation("cert_expiry_days", $"cert_expiry_days must be between 1 and {MaxExpiryDays}");
        Uri? apiServer = null;
        if (body.ApiServerUrl is not null && (!Uri.TryCreate(body.ApiServerUrl, UriKind.Absolute, out apiServer) || apiServer.Scheme is not ("https" or "http")))
            throw FleetException.Validation("cluster_config.api_server_url", "cluster_config.api_server_url must be an http(s) URL");

        var cluster = await clusters.GetByNameAsync(body.ClusterName, ct);
        if (apiServer is not null && !SameServer(apiServer, cluster.ServerUrl))
            throw FleetException.Validation("cluster_config.api_server_url",
                $"cluster_config.api_server_url does not match the API server of cluster '{cluster.Name}'");
        await storage.EnsureTableAsync(Table, ct);
        if (await Rows.GetAsync(SnapHookEntity.Partition, name, ct) is not null) throw Exists(name);
        try
        {
            await clusters.RunAsync(cluster.Id, (k, t) => k.CoreV1.ReadNamespaceAsync(ns, cancellationToken: t), ct);
        }
        catch (FleetException e) when (e.Kind == FleetErrorKind.NotFound)
        {
            throw FleetException.Validation("namespace", $"namespace '{ns}' does not exist in cluster '{cluster.Name}'");
        }

        var certs = HookCertificates.Create(name, webhook.Host, days);
        var secretName = SecretName(name);
        var secret = new V1Secret
        {
            Metadata = new V1ObjectMeta
            {
                Name = secretName, NamespaceProperty = ns,
                Labels = new Dictionary<string, string> { ["app.kubernetes.io/managed-by"] = "fleet", ["snap.io/hook"] = name },
            },
            Type = "kubernetes.io/tls",
            Data = new Dictionary<string, byte[]>
            {
                ["tls.crt"] = Encoding.ASCII.GetBytes(certs.CertificatePem),
                ["tls.key"] = Encoding.ASCII.GetBytes(certs.KeyPem),
                ["ca.crt"] = Encoding.ASCII.GetBytes(certs.CaPem),
            },
        };
        // An existing Secret of that name is someone's: 409, not overwritten.
        await clusters.RunAsync(cluster.Id, (k, t) => k.CoreV1.CreateNamespacedSecretAsync(secret, ns, cancellationToken: t), ct);
        var entity = new SnapHookEntity
        {
            RowKey = name, ClusterId = cluster.Id, ClusterName = cluster.Name, Namespace = ns, WebhookUrl = webhook.ToString(),
            SecretName = secretName, CaCertificatePem = certs.CaPem, Status = SnapHookStatus.Created,
            CreatedAt = DateTimeOffset.UtcNow, CertExpiresAt = certs.NotAfter,
        };
        try
        {
            await Rows.AddAsync(entity, $"snaphook '{name}' already exists", ct);
        }
        catch
        {
            await DeleteSecretQuietlyAsync(cluster.Id, ns, secretName);
            throw;
        }
        log.LogInformation("SnapHook {Hook} created on cluster {Cluster}: Secret {Namespace}/{Secret}, certificate until {NotAfter:o}",
            name, cluster.Name, ns, secretName, certs.NotAfter);
        return entity;
    }

    public async Task<IReadOnlyList<SnapHookEntity>> ListAsync(CancellationToken ct)
    {
        await storage.EnsureTableAsync(Table, ct);
        var list = new List<SnapHookEntity>();
        await foreach (var e in Rows.QueryAllAsync($"PartitionKey eq '{SnapHookEntity.Partition}'", ct)) list.Add(e);
        return list.OrderBy(e => e.RowKey, StringComparer.Ordinal).ToList();
    }

    public async Task<SnapHookEntity> GetAsync(string name, CancellationToken ct)
    {
        await storage.EnsureTableAsync(Table, ct);
        return await Rows.GetAsync(SnapHookEntity.Partition, name, ct) ?? throw FleetException.NotFound($"snaphook '{name}' not found");
    }

    /// <summary>Creates or replaces the MutatingWebhookConfiguration (server-side apply), then marks the hook active.</summary>
    public async Task<SnapHookEntity> StartAsync(string name, CancellationToken ct)
    {
        var hook = await GetAsync(name, ct);
        var config = WebhookConfiguration(hook);
        await clusters.RunAsync(hook.ClusterId, (k, t) => k.AdmissionregistrationV1.PatchMutatingWebhookConfigurationAsync(
            new V1Patch(KubernetesJson.Serialize(config), V1Patch.PatchType.ApplyPatch), hook.RowKey, fieldManager: FieldManager, force: true,
            cancellationToken: t), ct);
        hook.Status = SnapHookStatus.Active;
        hook.StartedAt = DateTimeOffset.UtcNow;
        return await Rows.UpdateAsync(hook, ct);
    }

    /// <summary>Deletes the MutatingWebhookConfiguration (already gone is fine), then marks the hook stopped.</summary>
    public async Task<SnapHookEntity> StopAsync(string name, CancellationToken ct)
    {
        var hook = await GetAsync(name, ct);
        try
        {
            await clusters.RunAsync(hook.ClusterId, (k, t) => k.AdmissionregistrationV1.DeleteMutatingWebhookConfigurationAsync(hook.RowKey, cancellationToken: t), ct);
        }
        catch (FleetException e) when (e.Kind == FleetErrorKind.NotFound) { }
        hook.Status = SnapHookStatus.Stopped;
        hook.StoppedAt = DateTimeOffset.UtcNow;
        return await Rows.UpdateAsync(hook, ct);
    }

    /// <summary>A hook the admit route answers for: it exists and is started; anything else is 404.</summary>
    public async Task<SnapHookEntity> ActiveAsync(string name, CancellationToken ct)
    {
        await storage.EnsureTableAsync(Table, ct);
        var hook = await Rows.GetAsync(SnapHookEntity.Partition, name, ct);
        return hook is { Status: SnapHookStatus.Active } ? hook : throw FleetException.NotFound($"no started snaphook '{name}'");
    }

    /// <summary>
    /// One webhook for pod CREATE, calling <c>webhook_url</c> with the hook's CA as caBundle; failurePolicy Ignore (a
    /// pod is never blocked because Fleet is unreachable), no side effects, AdmissionReview v1; the control plane's
    /// namespaces are left out.
    /// </summary>
    public static V1MutatingWebhookConfiguration WebhookConfiguration(SnapHookEntity hook) => new()
    {
        ApiVersion = "admissionregistration.k8s.io/v1",
        Kind = "MutatingWebhookConfiguration",
        Metadata = new V1ObjectMeta
        {
            Name = hook.RowKey,
            Labels = new Dictionary<string, string> { ["app.kubernetes.io/managed-by"] = "fleet", ["snap.io/hook"] = hook.RowKey },
        },
        Webhooks =
        [
            new V1MutatingWebhook
            {
                Name = WebhookName(hook.RowKey),
                ClientConfig = new Admissionregistrationv1WebhookClientConfig { Url = hook.WebhookUrl, CaBundle = Encoding.ASCII.GetBytes(hook.CaCertificatePem) },
                Rules = [new V1RuleWithOperations { Operations = ["CREATE"], ApiGroups = [""], ApiVersions = ["v1"], Resources = ["pods"], Scope = "Namespaced" }],
                FailurePolicy = "Ignore",
                SideEffects = "None",
                AdmissionReviewVersions = ["v1"],
                MatchPolicy = "Equivalent",
                ReinvocationPolicy = "Never",
                TimeoutSeconds = 10,
                NamespaceSelector = new V1LabelSelector
                {
                    MatchExpressions =
                    [
                        new V1LabelSelectorRequirement
                        {
                            Key = "kubernetes.io/metadata.name", OperatorProperty = "NotIn", Values = ["kube-system", "kube-node-lease", "kube-public"],
                        },
                    ],
                },
                ObjectSelector = new V1LabelSelector(),
            },
        ],
    };

    private async Task DeleteSecretQuietlyAsync(string clusterId, string ns, string secretName)
    {
        try
        {
            await clusters.RunAsync(clusterId, (k, t) => k.CoreV1.DeleteNamespacedSecretAsync(secretName, ns, cancellationToken: t), CancellationToken.None);
        }
        catch (FleetException e)
        {
            log.LogWarning("SnapHook Secret {Namespace}/{Secret} could not be removed after a failed create: {Reason}", ns, secretName, e.Message);
        }
    }

    private static FleetException Exists(string name) => FleetException.Conflict($"snaphook '{name}' already exists");

    /// <summary>A DNS-1123 label (at most 63): the hook names a Secret and a cluster-scoped object, the namespace is one.</summary>
    private static string DnsLabel(string? value, string field)
    {
        if (string.IsNullOrWhiteSpace(value)) throw FleetException.Validation(field, $"{field} is required");
        if (value.Length > 63 || !Label().IsMatch(value))
            throw FleetException.Validation(field, $"{field} must be a DNS-1123 label: at most 63 lowercase letters, digits and '-', starting and ending with a letter or digit");
        return value;
    }

    /// <summary>What the API server accepts as a webhook's clientConfig.url: https, a host, no user info, query or fragment.</summary>
    public static Uri WebhookUrl(string? value)
    {
        if (string.IsNullOrWhiteSpace(value)) throw FleetException.Validation("webhook_url", "webhook_url is required");
        if (value.Length > 2048 || !Uri.TryCreate(value, UriKind.Absolute, out var uri) || uri.Scheme != Uri.UriSchemeHttps
            || string.IsNullOrEmpty(uri.Host) || uri.UserInfo.Length > 0 || uri.Query.Length > 0 || uri.Fragment.Length > 0)
            throw FleetException.Validation("webhook_url", "webhook_url must be an https URL with a host and no user info, query or fragment");
        return uri;
    }

    private static bool SameServer(Uri wanted, string registered) =>
        Uri.TryCreate(registered, UriKind.Absolute, out var r)
        && string.Equals(wanted.Scheme, r.Scheme, StringComparison.OrdinalIgnoreCase)
        && string.Equals(wanted.IdnHost, r.IdnHost, StringComparison.OrdinalIgnoreCase) && wanted.Port == r.Port;

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")]
    private static partial Regex Label();
}
