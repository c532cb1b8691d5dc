using System.Text.Json.Nodes;
using Fleet.KubeEmulator.Discovery;
using Fleet.KubeEmulator.Store;

namespace Fleet.KubeEmulator.Webhooks;

/// <summary>
/// Defaulting and validation of admissionregistration.k8s.io/v1 Mutating/ValidatingWebhookConfigurations as the real
/// API server applies them (pkg/apis/admissionregistration: defaults.go, validation.go), for the fields Fleet uses.
/// </summary>
public static class WebhookConfigurations
{
    public const string Group = "admissionregistration.k8s.io";

    public static bool Is(ResourceType rt) => rt.Group == Group && rt.Plural is "mutatingwebhookconfigurations" or "validatingwebhookconfigurations";

    public static void DefaultAndValidate(ResourceType rt, JsonObject obj)
    {
        if (!Is(rt)) return;
        var mutating = rt.Plural == "mutatingwebhookconfigurations";
        var name = Json.Name(obj);
        var seen = new HashSet<string>();
        var i = 0;
        foreach (var w in Json.Objects(obj["webhooks"]))
        {
            var at = $"webhooks[{i++}]";
            ApiException Fail(string field, string problem) => ApiException.Invalid(rt.Kind, rt.Group, name, $"{at}.{field}", problem);
            var wname = Json.Str(w, "name");
            if (string.IsNullOrEmpty(wname)) throw Fail("name", "Required value");
            if (wname.Split('.').Length < 3) throw Fail("name", $"Invalid value: \"{wname}\": should be a domain with at least three segments separated by dots");
            if (!seen.Add(wname)) throw Fail("name", $"Duplicate value: \"{wname}\"");
            w["failurePolicy"] ??= "Fail";
            w["matchPolicy"] ??= "Equivalent";
            w["namespaceSelector"] ??= new JsonObject();
            w["objectSelector"] ??= new JsonObject();
            w["timeoutSeconds"] ??= 10;
            if (mutating) w["reinvocationPolicy"] ??= "Never";
            foreach (var r in Json.Objects(w["rules"])) r["scope"] ??= "*";
            if (Json.Str(w, "sideEffects") is not ("None" or "NoneOnDryRun"))
                throw Fail("sideEffects", "Unsupported value: supported values: \"None\", \"NoneOnDryRun\"");
            if (w["admissionReviewVersions"] is not JsonArray { Count: > 0 } versions)
                throw Fail("admissionReviewVersions", "Required value: must specify one of v1, v1beta1");
            if (!versions.Any(v => v?.GetValue<string>() is "v1" or "v1beta1"))
                throw Fail("admissionReviewVersions", "Invalid value: must include at least one of v1, v1beta1");
            if (Json.Str(w, "failurePolicy") is not ("Fail" or "Ignore"))
                throw Fail("failurePolicy", "Unsupported value: supported values: \"Fail\", \"Ignore\"");
            if (Json.Long(w, "timeoutSeconds") is < 1 or > 30) throw Fail("timeoutSeconds", "Invalid value: the timeout value must be between 1 and 30 seconds");
            var client = w["clientConfig"] as JsonObject ?? throw Fail("clientConfig", "Required value");
            var url = Json.Str(client, "url");
            if ((url is null) == (client["service"] is null)) throw Fail("clientConfig", "Required value: exactly one of url or service is required");
            if (url is not null && (!Uri.TryCreate(url, UriKind.Absolute, out var u) || u.Scheme != "https" || u.Query.Length > 0 || u.Fragment.Length > 0 || u.UserInfo.Length > 0))
                throw Fail("clientConfig.url", "Invalid value: must be an https URL without query, fragment or user info");
            if (Json.Str(client, "caBundle") is { } ca)
            {
                try { Convert.FromBase64String(ca); }
                catch (FormatException) { throw Fail("clientConfig.caBundle", "Invalid value: illegal base64 data"); }
            }
        }
    }
}
