using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Fleet.Core.Kubernetes;
using Fleet.Core.Platform.Errors;
using static Fleet.Core.Kubilitics.JsonPaths;

namespace Fleet.Core.Kubilitics;

public sealed record RolloutRevision(
    [property: JsonPropertyName("revision")] long Revision,
    [property: JsonPropertyName("creationTimestamp")] string? CreationTimestamp,
    [property: JsonPropertyName("changeCause")] string? ChangeCause,
    [property: JsonPropertyName("ready")] long Ready,
    [property: JsonPropertyName("desired")] long Desired,
    [property: JsonPropertyName("available")] long Available,
    [property: JsonPropertyName("images")] IReadOnlyList<string> Images,
    [property: JsonPropertyName("replicaSet")] string ReplicaSet);

/// <summary>Rollout history and rollback (as kubectl rollout undo), CronJob trigger and jobs, Job retry.</summary>
public sealed class WorkloadService(KubeCall kube)
{
    public const string RevisionAnnotation = "deployment.kubernetes.io/revision";
    public const string ChangeCauseAnnotation = "kubernetes.io/change-cause";

    public Task<List<RolloutRevision>> HistoryAsync(string clusterId, string ns, string name, CancellationToken ct) =>
        kube.RunAsync(clusterId, async (k, t) =>
        {
            var (_, sets) = await DeploymentAndSetsAsync(k, ns, name, t);
            return sets.Select(rs => new RolloutRevision(
                    Revision(rs), Str(rs, "metadata", "creationTimestamp"), Str(rs, "metadata", "annotations", ChangeCauseAnnotation),
                    Long(rs, "status", "readyReplicas") ?? 0, Long(rs, "spec", "replicas") ?? 0, Long(rs, "status", "availableReplicas") ?? 0,
                    Objects(At(rs, "spec", "template", "spec", "containers")).Select(c => Str(c, "image") ?? "").ToList(), Name(rs)))
                .OrderByDescending(r => r.Revision).ToList();
        }, ct);

    /// <summary>Patches the Deployment's pod template back to the ReplicaSet of <paramref name="revision"/> (0: the previous one).</summary>
    public Task<string> RollbackAsync(string clusterId, string ns, string name, long revision, CancellationToken ct)
    {
        if (revision < 0) throw FleetException.Validation("revision", "revision must be 0 (the previous one) or a revision number");
        return kube.RunAsync(clusterId, async (k, t) =>
        {
            var (deployment, sets) = await DeploymentAndSetsAsync(k, ns, name, t);
            var current = long.TryParse(Str(deployment, "metadata", "annotations", RevisionAnnotation), out var c) ? c : 0;
            var ordered = sets.OrderByDescending(Revision).ToList();
            var target = revision == 0
                ? ordered.FirstOrDefault(rs => Revision(rs) < current) ?? throw FleetException.Validation("revision", "no previous revision to roll back to")
                : ordered.FirstOrDefault(rs => Revision(rs) == revision) ?? throw FleetException.Validation("revision", $"revision {revision} not found in the Deployment's history");
            var rev = Revision(target);
            var template = (JsonObject)At(target, "spec", "template")!.DeepClone();
            (At(template, "metadata", "labels") as JsonObject)?.Remove("pod-template-hash");
            if (JsonNode.DeepEquals(Normalize(template), Normalize(At(deployment, "spec", "template"))))
                return $"Skipped rollback: the Deployment's template already matches revision {rev}";
            // As kubectl rollout undo: the template replaced, and the ReplicaSet's change-cause carried over.
            var ops = new JsonArray(new JsonObject { ["op"] = "replace", ["path"] = "/spec/template", ["value"] = template });
            if (Str(target, "metadata", "annotations", ChangeCauseAnnotation) is { } cause)
            {
                if (At(deployment, "metadata", "annotations") is null)
                    ops.Add(new JsonObject { ["op"] = "add", ["path"] = "/metadata/annotations", ["value"] = new JsonObject() });
                ops.Add(new JsonObject { ["op"] = "add", ["path"] = "/metadata/annotations/kubernetes.io~1change-cause", ["value"] = cause });
            }
            await k.SendJsonAsync(HttpMethod.Patch, $"apis/apps/v1/namespaces/{Uri.EscapeDataString(ns)}/deployments/{Uri.EscapeDataString(name)}?fieldManager=fleet",
                ops.ToJsonString(), "application/json-patch+json", t);
            return $"Deployment rolled back to revision {rev}";
        }, ct);
    }

    /// <summary>A Job from the CronJob's jobTemplate, owned by it and annotated as kubectl create job --from does.</summary>
    public Task<string> TriggerAsync(string clusterId, string ns, string name, CancellationToken ct) =>
        kube.RunAsync(clusterId, async (k, t) =>
        {
            var cronJob = await k.GetObjectAsync(CronJobPath(ns, name), t);
            var template = At(cronJob, "spec", "jobTemplate") as JsonObject ?? throw FleetException.Validation("name", $"CronJob {name} has no jobTemplate");
            var annotations = At(template, "metadata", "annotations")?.DeepClone() as JsonObject ?? new JsonObject();
            annotations["cronjob.kubernetes.io/instantiate"] = "manual";
            var jobName = $"{Truncate(name, 52)}-manual-{DateTimeOffset.UtcNow.ToUnixTimeSeconds() % 1_000_000:d6}";
            var job = new JsonObject
            {
                ["apiVersion"] = "batch/v1", ["kind"] = "Job",
                ["metadata"] = new JsonObject
                {
                    ["name"] = jobName,
                    ["labels"] = At(template, "metadata", "labels")?.DeepClone() ?? new JsonObject(),
                    ["annotations"] = annotations,
                    ["ownerReferences"] = new JsonArray(new JsonObject
                    {
                        ["apiVersion"] = "batch/v1", ["kind"] = "CronJob", ["name"] = name, ["uid"] = Uid(cronJob),
                        ["controller"] = true, ["blockOwnerDeletion"] = true,
                    }),
                },
                ["spec"] = At(template, "spec")?.DeepClone() ?? new JsonObject(),
            };
            var created = await CreateJobAsync(k, ns, job, t);
            return Name(created);
        }, ct);

    public Task<JsonArray> CronJobJobsAsync(string clusterId, string ns, string name, CancellationToken ct) =>
        kube.RunAsync(clusterId, async (k, t) =>
        {
            var cronJob = await k.GetObjectAsync(CronJobPath(ns, name), t);
            var jobs = await ResourceService.ListAllAsync(k, Jobs, ns, null, t);
            return new JsonArray(jobs.Where(j => OwnedBy(j, Uid(cronJob)))
                .OrderByDescending(j => Str(j, "metadata", "creationTimestamp"), StringComparer.Ordinal).ThenBy(Name, StringComparer.Ordinal)
                .Select(j => (JsonNode?)j).ToArray());
        }, ct);

    /// <summary>A new Job from the old one's spec, without the selector and labels bound to the old Job's controller-uid.</summary>
    public Task<string> RetryAsync(string clusterId, string ns, string name, CancellationToken ct) =>
        kube.RunAsync(clusterId, async (k, t) =>
        {
            var old = await k.GetObjectAsync(JobPath(ns, name), t);
            var spec = (At(old, "spec") as JsonObject)?.DeepClone() as JsonObject ?? new JsonObject();
            if (At(spec, "manualSelector") is not JsonValue manual || !manual.GetValue<bool>()) spec.Remove("selector");
            if (At(spec, "template", "metadata", "labels") is JsonObject podLabels)
                foreach (var l in ControllerLabels) podLabels.Remove(l);
            var labels = Labels(old).Where(kv => !ControllerLabels.Contains(kv.Key)).ToDictionary(kv => kv.Key, kv => (JsonNode?)kv.Value);
            var annotations = new JsonObject { ["fleet.io/retry-of"] = name };
            var job = new JsonObject
            {
                ["apiVersion"] = "batch/v1", ["kind"] = "Job",
                ["metadata"] = new JsonObject { ["generateName"] = $"{Truncate(Base(name), 50)}-retry-", ["labels"] = new JsonObject(labels), ["annotations"] = annotations },
                ["spec"] = spec,
            };
            if (At(old, "metadata", "ownerReferences") is JsonArray owners) Meta(job)["ownerReferences"] = owners.DeepClone();
            return Name(await CreateJobAsync(k, ns, job, t));
        }, ct);

    private static readonly string[] ControllerLabels = ["controller-uid", "batch.kubernetes.io/controller-uid", "job-name", "batch.kubernetes.io/job-name"];

    private static readonly ApiResource Jobs = new("batch", "v1", "jobs", "job", "Job", true, [], ["list"]);
    private static readonly ApiResource ReplicaSets = new("apps", "v1", "replicasets", "replicaset", "ReplicaSet", true, [], ["list"]);

    private static async Task<(JsonObject Deployment, List<JsonObject> Sets)> DeploymentAndSetsAsync(FleetKubernetes k, string ns, string name, CancellationToken ct)
    {
        var d = await k.GetObjectAsync($"apis/apps/v1/namespaces/{Uri.EscapeDataString(ns)}/deployments/{Uri.EscapeDataString(name)}", ct);
        var selector = LabelSelectorOf(At(d, "spec", "selector"));
        var sets = await ResourceService.ListAllAsync(k, ReplicaSets, ns, selector.Length == 0 ? null : selector, ct);
        return (d, sets.Where(rs => OwnedBy(rs, Uid(d))).ToList());
    }

    private static async Task<JsonObject> CreateJobAsync(FleetKubernetes k, string ns, JsonObject job, CancellationToken ct) =>
        await k.SendJsonAsync(HttpMethod.Post, $"apis/batch/v1/namespaces/{Uri.EscapeDataString(ns)}/jobs?fieldManager=fleet", job.ToJsonString(), "application/json", ct) as JsonObject ?? new JsonObject();

    private static JsonObject Meta(JsonObject o) => (JsonObject)o["metadata"]!;
    private static long Revision(JsonObject rs) => long.TryParse(Str(rs, "metadata", "annotations", RevisionAnnotation), out var r) ? r : 0;
    private static string CronJobPath(string ns, string name) => $"apis/batch/v1/namespaces/{Uri.EscapeDataString(ns)}/cronjobs/{Uri.EscapeDataString(name)}";
    private static string JobPath(string ns, string name) => $"apis/batch/v1/namespaces/{Uri.EscapeDataString(ns)}/jobs/{Uri.EscapeDataString(name)}";
    private static string Truncate(string s, int max) => s.Length <= max ? s : s[..max].TrimEnd('-', '.');

    /// <summary>A retried retry is named after the original (name-retry-abcde-retry-... would only grow).</summary>
    private static string Base(string name)
    {
        var i = name.IndexOf("-retry-", StringComparison.Ordinal);
        return i > 0 ? name[..i] : name;
    }

    private static JsonNode? Normalize(JsonNode? template) => template?.DeepClone();
}
