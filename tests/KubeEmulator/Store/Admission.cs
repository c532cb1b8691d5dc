using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Fleet.KubeEmulator.Discovery;

namespace Fleet.KubeEmulator.Store;

/// <summary>Defaulting and validation the real API server applies on create.</summary>
public static partial class Admission
{
    [GeneratedRegex("^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$")]
    private static partial Regex Subdomain();

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")]
    private static partial Regex Label();

    public static void ValidateName(ResourceType rt, string name)
    {
        // Namespaces and services must be DNS labels; most other names DNS subdomains.
        var label = rt.Group == "" && rt.Plural is "namespaces" or "services";
        var ok = label ? name.Length <= 63 && Label().IsMatch(name) : name.Length <= 253 && Subdomain().IsMatch(name);
        if (!ok && rt.Group.StartsWith("rbac", StringComparison.Ordinal)) ok = name.Length > 0 && !name.Contains('/');
        if (!ok)
            throw ApiException.Invalid(rt.Kind, rt.Group, name, "metadata.name",
                $"Invalid value: \"{name}\": a lowercase RFC 1123 {(label ? "label" : "subdomain")} must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character");
    }

    public static void OnCreate(ResourceType rt, JsonObject obj, Func<int> nextServiceIp)
    {
        switch ((rt.Group, rt.Plural))
        {
            case ("", "namespaces"):
                Json.Obj(Json.Meta(obj), "labels")["kubernetes.io/metadata.name"] = Json.Name(obj);
                Json.Obj(obj, "spec")["finalizers"] = new JsonArray("kubernetes");
                obj["status"] = new JsonObject { ["phase"] = "Active" };
                break;
            case ("", "pods"):
                DefaultPod(obj);
                break;
            case ("", "services"):
                DefaultService(obj, nextServiceIp);
                break;
            case ("apps", "deployments"):
                ValidateSelector(rt, obj);
                var spec = Json.Obj(obj, "spec");
                spec["replicas"] ??= 1;
                spec["revisionHistoryLimit"] ??= 10;
                spec["progressDeadlineSeconds"] ??= 600;
                spec["strategy"] ??= new JsonObject
                {
                    ["type"] = "RollingUpdate",
                    ["rollingUpdate"] = new JsonObject { ["maxUnavailable"] = "25%", ["maxSurge"] = "25%" },
                };
                obj["status"] = new JsonObject();
                break;
            case ("apps", "replicasets" or "statefulsets"):
                ValidateSelector(rt, obj);
                Json.Obj(obj, "spec")["replicas"] ??= 1;
                obj["status"] = new JsonObject { ["replicas"] = 0 };
                break;
            case ("apps", "daemonsets"):
                ValidateSelector(rt, obj);
                obj["status"] = new JsonObject();
                break;
            case ("batch", "jobs"):
                DefaultJob(obj);
                break;
            case ("apiextensions.k8s.io", "customresourcedefinitions"):
                CrdStatus(obj);
                break;
        }
    }

    public static void CrdStatus(JsonObject crd)
    {
        var now = Json.Now();
        crd["status"] = new JsonObject
        {
            ["acceptedNames"] = Json.At(crd, "spec", "names")?.DeepClone(),
            ["conditions"] = new JsonArray(
                new JsonObject { ["type"] = "NamesAccepted", ["status"] = "True", ["reason"] = "NoConflicts", ["message"] = "no conflicts found", ["lastTransitionTime"] = now },
                new JsonObject { ["type"] = "Established", ["status"] = "True", ["reason"] = "InitialNamesAccepted", ["message"] = "the initial names have been accepted", ["lastTransitionTime"] = now }),
            ["storedVersions"] = new JsonArray(Json.Objects(Json.At(crd, "spec", "versions"))
                .Where(v => v["storage"]?.GetValue<bool>() == true).Select(v => (JsonNode?)v["name"]!.GetValue<string>()).ToArray()),
        };
    }

    private static void ValidateSelector(ResourceType rt, JsonObject obj)
    {
        var selector = Json.Labels(obj, "spec", "selector", "matchLabels");
        var labels = Json.Labels(obj, "spec", "template", "metadata", "labels");
        if (Json.At(obj, "spec", "selector") is null)
            throw ApiException.Invalid(rt.Kind, rt.Group, Json.Name(obj), "spec.selector", "Required value");
        if (selector.Any(kv => !labels.TryGetValue(kv.Key, out var v) || v != kv.Value))
            throw ApiException.Invalid(rt.Kind, rt.Group, Json.Name(obj), "spec.template.metadata.labels",
                "Invalid value: `selector` does not match template `labels`");
    }

    public static void DefaultPod(JsonObject pod)
    {
        var spec = Json.Obj(pod, "spec");
        spec["restartPolicy"] ??= "Always";
        spec["dnsPolicy"] ??= "ClusterFirst";
        spec["schedulerName"] ??= "default-scheduler";
        spec["terminationGracePeriodSeconds"] ??= 30;
        spec["serviceAccountName"] ??= "default";
        spec["securityContext"] ??= new JsonObject();
        spec["enableServiceLinks"] ??= true;
        spec["preemptionPolicy"] ??= "PreemptLowerPriority";
        spec["priority"] ??= 0;
        foreach (var c in Json.Objects(spec["containers"]).Concat(Json.Objects(spec["initContainers"])))
        {
            var image = Json.Str(c, "image") ?? "";
            var tagged = image.Contains(':') && !image.EndsWith(":latest", StringComparison.Ordinal);
            c["imagePullPolicy"] ??= tagged ? "IfNotPresent" : "Always";
            c["terminationMessagePath"] ??= "/dev/termination-log";
            c["terminationMessagePolicy"] ??= "File";
            c["resources"] ??= new JsonObject();
        }
        pod["status"] = new JsonObject { ["phase"] = "Pending", ["qosClass"] = "BestEffort" };
    }

    private static void DefaultService(JsonObject svc, Func<int> nextIp)
    {
        var spec = Json.Obj(svc, "spec");
        spec["type"] ??= "ClusterIP";
        spec["sessionAffinity"] ??= "None";
        if (Json.Str(spec, "clusterIP") is null && Json.Str(spec, "type") != "ExternalName")
        {
            var n = nextIp();
            spec["clusterIP"] = $"10.96.{n / 250}.{n % 250 + 1}";
        }
        if (Json.Str(spec, "clusterIP") is { } ip) spec["clusterIPs"] = new JsonArray(ip);
        spec["ipFamilies"] ??= new JsonArray("IPv4");
        spec["ipFamilyPolicy"] ??= "SingleStack";
        spec["internalTrafficPolicy"] ??= "Cluster";
        var nodePort = 30000 + Random.Shared.Next(2767);
        foreach (var p in Json.Objects(spec["ports"]))
        {
            p["protocol"] ??= "TCP";
            p["targetPort"] ??= p["port"]?.DeepClone();
            if (Json.Str(spec, "type") is "NodePort" or "LoadBalancer") p["nodePort"] ??= nodePort++;
        }
        svc["status"] = new JsonObject { ["loadBalancer"] = new JsonObject() };
    }

    private static void DefaultJob(JsonObject job)
    {
        var spec = Json.Obj(job, "spec");
        spec["completions"] ??= 1;
        spec["parallelism"] ??= 1;
        spec["backoffLimit"] ??= 6;
        spec["completionMode"] ??= "NonIndexed";
        spec["suspend"] ??= false;
        // Jobs get a generated selector on controller-uid, as the real API server does.
        var uid = Json.Uid(job)!;
        spec["selector"] ??= new JsonObject { ["matchLabels"] = new JsonObject { ["batch.kubernetes.io/controller-uid"] = uid } };
        var labels = Json.Obj(Json.Obj(Json.Obj(spec, "template"), "metadata"), "labels");
        labels["batch.kubernetes.io/controller-uid"] = uid;
        labels["batch.kubernetes.io/job-name"] = Json.Name(job);
        labels["controller-uid"] = uid;
        labels["job-name"] = Json.Name(job);
        var podSpec = Json.Obj(Json.Obj(spec, "template"), "spec");
        podSpec["restartPolicy"] ??= "Never";
        job["status"] = new JsonObject();
    }
}
