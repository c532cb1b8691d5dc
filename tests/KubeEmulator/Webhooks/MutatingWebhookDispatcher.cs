using System.Net.Http.Headers;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;
using Fleet.KubeEmulator.Discovery;
using Fleet.KubeEmulator.Patching;
using Fleet.KubeEmulator.Store;

namespace Fleet.KubeEmulator.Webhooks;

/// <summary>
/// Mutating admission on create, as the API server's MutatingAdmissionWebhook plugin does it: for each webhook of each
/// MutatingWebhookConfiguration (in name order) whose rules, namespaceSelector and objectSelector match, POSTs an
/// admission.k8s.io/v1 AdmissionReview to <c>clientConfig.url</c> over TLS trusting <c>caBundle</c> (the host name
/// checked), within <c>timeoutSeconds</c>; a denial is the webhook's 4xx, a JSONPatch answer is applied, and a failed
/// call (no answer, wrong uid, not 200) fails the request or is skipped as <c>failurePolicy</c> says. Only URL
/// webhooks (a service reference has no cluster network here); no reinvocation.
/// </summary>
public sealed class MutatingWebhookDispatcher(EmulatorState state)
{
    public async Task<JsonObject> AdmitCreateAsync(ResourceType rt, string? ns, JsonObject obj, bool dryRun, CancellationToken ct)
    {
        if (WebhookConfigurations.Is(rt)) return obj; // the API server never sends its webhook configurations to webhooks
        var configs = state.Registry.Find(WebhookConfigurations.Group, "v1", "mutatingwebhookconfigurations");
        if (configs is null) return obj;
        var (items, _) = state.Store.List(configs, null);
        foreach (var config in items.OrderBy(Json.Name, StringComparer.Ordinal))
            foreach (var hook in Json.Objects(config["webhooks"]))
            {
                if (!Matches(hook, rt, ns, obj)) continue;
                obj = await CallAsync(hook, rt, ns, obj, dryRun, ct);
            }
        return obj;
    }

    private bool Matches(JsonObject hook, ResourceType rt, string? ns, JsonObject obj)
    {
        static bool Has(JsonNode? list, string value) =>
            list is JsonArray a && a.Any(x => x?.GetValue<string>() is { } s && (s == "*" || s == value));
        var ruleMatch = Json.Objects(hook["rules"]).Any(r =>
            Has(r["operations"], "CREATE") && Has(r["apiGroups"], rt.Group) && Has(r["apiVersions"], rt.Version)
            && (Has(r["resources"], rt.Plural) || Has(r["resources"], "*/*"))
            && (Json.Str(r, "scope") ?? "*") switch { "Namespaced" => rt.Namespaced, "Cluster" => !rt.Namespaced, _ => true });
        if (!ruleMatch) return false;
        if (rt.Namespaced && ns is not null)
        {
            var namespaces = state.Type("", "namespaces");
            var labels = state.Store.Get(namespaces, null, ns) is { } nsObj ? Json.Labels(nsObj, "metadata", "labels") : [];
            if (!LabelSelector.FromObject(hook["namespaceSelector"]).Matches(labels)) return false;
        }
        return LabelSelector.FromObject(hook["objectSelector"]).Matches(Json.Labels(obj, "metadata", "labels"));
    }

    private static async Task<JsonObject> CallAsync(JsonObject hook, ResourceType rt, string? ns, JsonObject obj, bool dryRun, CancellationToken ct)
    {
        var name = Json.Str(hook, "name") ?? "";
        var ignore = Json.Str(hook, "failurePolicy") == "Ignore";
        var uid = Guid.NewGuid().ToString();
        var sent = Json.Clone(obj);
        if (ns is not null) Json.Meta(sent)["namespace"] = ns;
        var review = new JsonObject
        {
            ["apiVersion"] = "admission.k8s.io/v1",
            ["kind"] = "AdmissionReview",
            ["request"] = new JsonObject
            {
                ["uid"] = uid,
                ["kind"] = new JsonObject { ["group"] = rt.Group, ["version"] = rt.Version, ["kind"] = rt.Kind },
                ["resource"] = new JsonObject { ["group"] = rt.Group, ["version"] = rt.Version, ["resource"] = rt.Plural },
                ["requestKind"] = new JsonObject { ["group"] = rt.Group, ["version"] = rt.Version, ["kind"] = rt.Kind },
                ["requestResource"] = new JsonObject { ["group"] = rt.Group, ["version"] = rt.Version, ["resource"] = rt.Plural },
                ["name"] = Json.Name(obj),
                ["namespace"] = ns,
                ["operation"] = "CREATE",
                ["userInfo"] = new JsonObject { ["username"] = "kubernetes-admin", ["groups"] = new JsonArray("system:masters", "system:authenticated") },
                ["object"] = sent,
                ["oldObject"] = null,
                ["dryRun"] = dryRun,
                ["options"] = new JsonObject { ["apiVersion"] = "meta.k8s.io/v1", ["kind"] = "CreateOptions" },
            },
        };

        JsonObject response;
        try
        {
            response = await PostAsync(hook, review, uid, ct);
        }
        catch (WebhookCallException e)
        {
            if (ignore) return obj;
            throw new ApiException(500, "InternalError", $"Internal error occurred: failed calling webhook \"{name}\": {e.Message}");
        }

        if (response["allowed"]?.GetValue<bool>() != true)
        {
            var status = response["status"] as JsonObject;
            var code = (int)(Json.Long(status, "code") ?? 0);
            var message = Json.Str(status, "message") is { Length: > 0 } m ? m : "without explanation";
            throw new ApiException(code < 400 ? 400 : code, Json.Str(status, "reason") ?? "", $"admission webhook \"{name}\" denied the request: {message}");
        }
        if (Json.Str(response, "patch") is not { Length: > 0 } patch) return obj;
        if (Json.Str(response, "patchType") != "JSONPatch")
            throw new ApiException(500, "InternalError", $"Internal error occurred: admission webhook \"{name}\" returned a patch of unsupported patchType \"{Json.Str(response, "patchType")}\"");
        try
        {
            var ops = JsonNode.Parse(Encoding.UTF8.GetString(Convert.FromBase64String(patch))) as JsonArray
                      ?? throw new FormatException("the patch is not a JSON array");
            return JsonPatch.Apply(obj, ops);
        }
        catch (Exception e) when (e is FormatException or System.Text.Json.JsonException or ApiException)
        {
            throw new ApiException(500, "InternalError", $"Internal error occurred: admission webhook \"{name}\" returned an unusable patch: {e.Message}");
        }
    }

    private static async Task<JsonObject> PostAsync(JsonObject hook, JsonObject review, string uid, CancellationToken ct)
    {
        var url = Json.Str(hook, "clientConfig", "url") ?? throw new WebhookCallException("clientConfig.service is not reachable from the emulator; use clientConfig.url");
        var seconds = Json.Long(hook, "timeoutSeconds") ?? 10;
        var timeout = TimeSpan.FromSeconds(seconds);
        url += $"?timeout={seconds}s"; // as the API server tells the webhook its deadline
        using var handler = new SocketsHttpHandler { ConnectTimeout = timeout };
        if (Json.Str(hook, "clientConfig", "caBundle") is { Length: > 0 } caBase64)
        {
            var roots = new X509Certificate2Collection();
            roots.ImportFromPem(Encoding.ASCII.GetString(Convert.FromBase64String(caBase64)));
            handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
            {
                if (certificate is null || (errors & (SslPolicyErrors.RemoteCertificateNameMismatch | SslPolicyErrors.RemoteCertificateNotAvailable)) != 0)
                    return false;
                using var chain = new X509Chain();
                chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                chain.ChainPolicy.CustomTrustStore.AddRange(roots);
                chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                return chain.Build(certificate as X509Certificate2 ?? X509CertificateLoader.LoadCertificate(certificate.GetRawCertData()));
            };
        }
        using var client = new HttpClient(handler) { Timeout = timeout };
        using var content = new StringContent(review.ToJsonString(), Encoding.UTF8);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        try
        {
            using var r = await client.PostAsync(url, content, ct);
            var text = await r.Content.ReadAsStringAsync(ct);
            if ((int)r.StatusCode != 200) throw new WebhookCallException($"the server responded with status {(int)r.StatusCode}: {Clip(text)}");
            var answer = JsonNode.Parse(text) as JsonObject ?? throw new WebhookCallException("the response is not an AdmissionReview");
            var response = answer["response"] as JsonObject ?? throw new WebhookCallException("webhook response was absent");
            if (Json.Str(response, "uid") != uid)
                throw new WebhookCallException($"expected response.uid=\"{uid}\", got \"{Json.Str(response, "uid")}\"");
            return response;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or System.Text.Json.JsonException)
        {
            throw new WebhookCallException($"failed to call webhook: Post \"{url}\": {e.Message}");
        }
    }

    private static string Clip(string s) => s.Length <= 300 ? s : s[..300];

    private sealed class WebhookCallException(string message) : Exception(message);
}
