using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Fleet.Core.Platform.Errors;

namespace Fleet.Core.Snap.Hooks;

/// <summary>
/// The SnapHook's admission decision on an <c>admission.k8s.io/v1</c> AdmissionReview: a pod annotated
/// <c>snap.io/restore-from: &lt;checkpoint image&gt;</c> gets a JSONPatch setting its container's image (the one named
/// by <c>snap.io/restore-container</c>, else the first) to the checkpoint image, which CRI-O restores the container
/// from; every other object is allowed unchanged. Never denies: a pod it cannot patch is allowed with a warning.
/// </summary>
public static partial class RestoreAdmission
{
    public const string RestoreFrom = "snap.io/restore-from";
    public const string RestoreContainer = "snap.io/restore-container";
    public const string ApiVersion = "admission.k8s.io/v1";

    /// <summary>The AdmissionReview answer to <paramref name="review"/>; a malformed review is a validation error naming the field.</summary>
    public static JsonObject Review(JsonNode? review)
    {
        if (review is not JsonObject root) throw FleetException.Validation("body", "the body must be an AdmissionReview object");
        if (Text(root, "apiVersion") != ApiVersion) throw FleetException.Validation("apiVersion", $"apiVersion must be {ApiVersion}");
        if (Text(root, "kind") != "AdmissionReview") throw FleetException.Validation("kind", "kind must be AdmissionReview");
        if (root["request"] is not JsonObject request) throw FleetException.Validation("request", "request is required");
        var uid = Text(request, "uid");
        if (string.IsNullOrEmpty(uid) || uid.Length > 128) throw FleetException.Validation("request.uid", "request.uid is required (at most 128 characters)");

        var response = new JsonObject { ["uid"] = uid, ["allowed"] = true };
        var answer = new JsonObject { ["apiVersion"] = ApiVersion, ["kind"] = "AdmissionReview", ["response"] = response };
        var kind = request["kind"] as JsonObject;
        var isPod = kind is not null && Text(kind, "group") is null or "" && Text(kind, "kind") == "Pod";
        if (!isPod || Text(request, "operation") is not (null or "CREATE")) return answer;
        if (request["object"] is not JsonObject pod) throw FleetException.Validation("request.object", "request.object must be the Pod being created");

        var annotations = pod["metadata"]?["annotations"] as JsonObject;
        if (annotations?[RestoreFrom] is not JsonValue fromValue) return answer;
        var warnings = new JsonArray();
        response["warnings"] = warnings;
        if (!fromValue.TryGetValue<string>(out var image) || image.Length > 1024 || !ImageReference().IsMatch(image))
        {
            warnings.Add($"{RestoreFrom} is not an image reference; the pod is created unchanged");
            return answer;
        }
        if (pod["spec"]?["containers"] is not JsonArray { Count: > 0 } containers)
            throw FleetException.Validation("request.object.spec.containers", "the Pod has no containers");
        var wanted = annotations[RestoreContainer] is JsonValue c && c.TryGetValue<string>(out var n) ? n : null;
        var index = wanted is null ? 0 : IndexOf(containers, wanted);
        if (index < 0)
        {
            warnings.Add($"{RestoreContainer} names no container of this pod ('{Clip(wanted!)}'); the pod is created unchanged");
            return answer;
        }
        var container = containers[index] as JsonObject ?? throw FleetException.Validation($"request.object.spec.containers[{index}]", "a container must be an object");
        if (container["image"] is JsonValue current && current.TryGetValue<string>(out var was) && was == image)
        {
            response.Remove("warnings");
            return answer;
        }
        var patch = new JsonArray(new JsonObject
        {
            ["op"] = container.ContainsKey("image") ? "replace" : "add",
            ["path"] = $"/spec/containers/{index}/image",
            ["value"] = image,
        });
        response.Remove("warnings");
        response["patchType"] = "JSONPatch";
        response["patch"] = Convert.ToBase64String(Encoding.UTF8.GetBytes(patch.ToJsonString()));
        return answer;
    }

    private static int IndexOf(JsonArray containers, string name)
    {
        for (var i = 0; i < containers.Count; i++)
            if (containers[i] is JsonObject o && Text(o, "name") == name) return i;
        return -1;
    }

    private static string? Text(JsonObject o, string key) => o[key] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;

    private static string Clip(string s) => s.Length <= 63 ? s : s[..63] + "…";

    /// <summary>An image reference as the distribution spec's grammar has it: [registry[:port]/]path[:tag][@algorithm:digest].</summary>
    [GeneratedRegex(@"^(?:[a-zA-Z0-9](?:[a-zA-Z0-9.-]*[a-zA-Z0-9])?(?::[0-9]{1,5})?/)?[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*)*(?::[A-Za-z0-9_][A-Za-z0-9._-]{0,127})?(?:@[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-fA-F0-9]{32,})?$")]
    private static partial Regex ImageReference();
}
