using System.Text.Json.Nodes;
using Fleet.KubeEmulator.Store;

namespace Fleet.KubeEmulator.Controllers;

/// <summary>
/// Deployment → ReplicaSets: one ReplicaSet per distinct pod template (named deploy-{pod-template-hash}),
/// the current one scaled to spec.replicas and the others to 0. Patching the template back to an old
/// one reuses that ReplicaSet and gives it the next revision, which is how rollback works.
/// </summary>
public sealed class DeploymentController(EmulatorState state, EventRecorder events) : IController
{
    private const string RevisionAnnotation = "deployment.kubernetes.io/revision";

    public void Reconcile()
    {
        var rsType = state.Type("apps", "replicasets");
        foreach (var d in state.Store.List(state.Type("apps", "deployments"), null).Items)
        {
            var ns = Json.Namespace(d)!;
            var replicas = Json.Long(d, "spec", "replicas") ?? 1;
            var template = Json.At(d, "spec", "template") as JsonObject ?? new JsonObject();
            var hash = Names.StableHash(template.ToJsonString());
            var owned = state.Store.List(rsType, ns).Items.Where(rs => Owners.IsOwnedBy(rs, d)).ToList();
            var maxRevision = owned.Select(Revision).DefaultIfEmpty(0).Max();
            var current = owned.FirstOrDefault(rs => Json.Labels(rs).GetValueOrDefault("pod-template-hash") == hash);
            var paused = Json.At(d, "spec", "paused")?.GetValue<bool>() == true;
            if (paused) continue;

            if (current is null)
            {
                current = state.Store.Create(rsType, ns, NewReplicaSet(d, template, hash, replicas, maxRevision + 1));
                events.Normal(d, "ScalingReplicaSet", $"Scaled up replica set {Json.Name(current)} from 0 to {replicas}", "deployment-controller");
            }
            else
            {
                var next = Json.Clone(current);
                var annotations = Json.Obj(Json.Meta(next), "annotations");
                if (Revision(current) != maxRevision) annotations[RevisionAnnotation] = (maxRevision + 1).ToString();
                annotations["deployment.kubernetes.io/desired-replicas"] = replicas.ToString();
                annotations["deployment.kubernetes.io/max-replicas"] = (replicas + MaxSurge(replicas)).ToString();
                var from = Json.Long(current, "spec", "replicas") ?? 0;
                Json.Obj(next, "spec")["replicas"] = replicas;
                current = state.Store.Update(rsType, ns, Json.Name(current), next, UpdateKind.Main);
                if (from != replicas)
                    events.Normal(d, "ScalingReplicaSet", $"Scaled {(replicas > from ? "up" : "down")} replica set {Json.Name(current)} from {from} to {replicas}", "deployment-controller");
            }

            foreach (var old in owned.Where(rs => Json.Uid(rs) != Json.Uid(current)))
            {
                var from = Json.Long(old, "spec", "replicas") ?? 0;
                if (from == 0) continue;
                var next = Json.Clone(old);
                Json.Obj(next, "spec")["replicas"] = 0;
                state.Store.Update(rsType, ns, Json.Name(old), next, UpdateKind.Main);
                events.Normal(d, "ScalingReplicaSet", $"Scaled down replica set {Json.Name(old)} from {from} to 0", "deployment-controller");
            }
            PruneHistory(d, owned, current);
            UpdateDeployment(d, current, replicas);
        }
    }

    private static long Revision(JsonObject rs) =>
        long.TryParse(Json.Str(rs, "metadata", "annotations", RevisionAnnotation), out var r) ? r : 0;

    private static long MaxSurge(long replicas) => (long)Math.Ceiling(replicas * 0.25);

    private static JsonObject NewReplicaSet(JsonObject d, JsonObject template, string hash, long replicas, long revision)
    {
        var podTemplate = Json.Clone(template);
        Json.Obj(Json.Obj(podTemplate, "metadata"), "labels")["pod-template-hash"] = hash;
        var selector = Json.At(d, "spec", "selector")?.DeepClone() as JsonObject ?? new JsonObject();
        Json.Obj(selector, "matchLabels")["pod-template-hash"] = hash;
        var labels = Json.At(template, "metadata", "labels")?.DeepClone() as JsonObject ?? new JsonObject();
        labels["pod-template-hash"] = hash;
        return new JsonObject
        {
            ["apiVersion"] = "apps/v1", ["kind"] = "ReplicaSet",
            ["metadata"] = new JsonObject
            {
                ["name"] = $"{Json.Name(d)}-{hash}",
                ["labels"] = labels,
                ["annotations"] = new JsonObject
                {
                    ["deployment.kubernetes.io/desired-replicas"] = replicas.ToString(),
                    ["deployment.kubernetes.io/max-replicas"] = (replicas + MaxSurge(replicas)).ToString(),
                    [RevisionAnnotation] = revision.ToString(),
                },
                ["ownerReferences"] = Owners.ControllerRef(d),
            },
            ["spec"] = new JsonObject { ["replicas"] = replicas, ["minReadySeconds"] = 0, ["selector"] = selector, ["template"] = podTemplate },
        };
    }

    private void PruneHistory(JsonObject d, List<JsonObject> owned, JsonObject current)
    {
        var limit = Json.Long(d, "spec", "revisionHistoryLimit") ?? 10;
        var old = owned.Where(rs => Json.Uid(rs) != Json.Uid(current)).OrderByDescending(Revision).Skip((int)limit);
        foreach (var rs in old)
        {
            try { state.Store.Delete(state.Type("apps", "replicasets"), Json.Namespace(rs), Json.Name(rs)); }
            catch (ApiException e) when (e.Code == 404) { }
        }
    }

    private void UpdateDeployment(JsonObject d, JsonObject current, long replicas)
    {
        var deployType = state.Type("apps", "deployments");
        var ns = Json.Namespace(d)!;
        var latest = state.Store.Get(deployType, ns, Json.Name(d));
        if (latest is null) return;
        var revision = Revision(current).ToString();
        if (Json.Str(latest, "metadata", "annotations", RevisionAnnotation) != revision)
        {
            var next = Json.Clone(latest);
            Json.Obj(Json.Meta(next), "annotations")[RevisionAnnotation] = revision;
            latest = state.Store.Update(deployType, ns, Json.Name(d), next, UpdateKind.Main);
        }
        var owned = state.Store.List(state.Type("apps", "replicasets"), ns).Items.Where(rs => Owners.IsOwnedBy(rs, latest)).ToList();
        long Sum(string field) => owned.Sum(rs => Json.Long(rs, "status", field) ?? 0);
        var fresh = owned.FirstOrDefault(rs => Json.Uid(rs) == Json.Uid(current)) ?? current;
        var updated = Json.Long(fresh, "status", "replicas") ?? 0;
        var total = Sum("replicas");
        var ready = Sum("readyReplicas");
        var available = Sum("availableReplicas");
        var oldStatus = latest["status"] as JsonObject;
        var status = new JsonObject { ["observedGeneration"] = Json.Long(latest, "metadata", "generation") ?? 1 };
        if (total > 0) status["replicas"] = total;
        if (updated > 0) status["updatedReplicas"] = updated;
        if (ready > 0) status["readyReplicas"] = ready;
        if (available > 0) status["availableReplicas"] = available;
        if (replicas - available > 0) status["unavailableReplicas"] = replicas - available;
        var availableOk = available >= replicas - (long)Math.Floor(replicas * 0.25);
        var complete = updated == replicas && available == replicas && total == replicas;
        status["conditions"] = new JsonArray(
            availableOk
                ? Owners.CopyCondition(oldStatus, "Available", "True", "MinimumReplicasAvailable", "Deployment has minimum availability.", true)
                : Owners.CopyCondition(oldStatus, "Available", "False", "MinimumReplicasUnavailable", "Deployment does not have minimum availability.", true),
            complete
                ? Owners.CopyCondition(oldStatus, "Progressing", "True", "NewReplicaSetAvailable", $"ReplicaSet \"{Json.Name(current)}\" has successfully progressed.", true)
                : Owners.CopyCondition(oldStatus, "Progressing", "True", "ReplicaSetUpdated", $"ReplicaSet \"{Json.Name(current)}\" is progressing.", true));
        var withStatus = Json.Clone(latest);
        withStatus["status"] = status;
        state.Store.Update(deployType, ns, Json.Name(d), withStatus, UpdateKind.Status);
    }
}
