using System.Text.Json.Nodes;
using Fleet.KubeEmulator.Store;

namespace Fleet.KubeEmulator.Controllers;

/// <summary>ReplicaSet → Pods: creates or deletes owned pods until spec.replicas are active, then reports status.</summary>
public sealed class ReplicaSetController(EmulatorState state, EventRecorder events) : IController
{
    public void Reconcile()
    {
        var podType = state.Type("", "pods");
        var rsType = state.Type("apps", "replicasets");
        foreach (var rs in state.Store.List(rsType, null).Items)
        {
            var ns = Json.Namespace(rs)!;
            var desired = Json.Long(rs, "spec", "replicas") ?? 1;
            var active = state.Store.List(podType, ns).Items
                .Where(p => Owners.IsOwnedBy(p, rs) && Json.Str(p, "status", "phase") is not ("Succeeded" or "Failed")).ToList();
            for (var i = active.Count; i < desired; i++)
            {
                var pod = state.Store.Create(podType, ns, PodFromTemplate(rs));
                events.Normal(rs, "SuccessfulCreate", $"Created pod: {Json.Name(pod)}", "replicaset-controller");
            }
            foreach (var extra in active.OrderByDescending(p => Json.Str(p, "metadata", "creationTimestamp")).ThenByDescending(Json.Name).Take(Math.Max(0, active.Count - (int)desired)))
            {
                state.Store.Delete(podType, ns, Json.Name(extra));
                events.Normal(rs, "SuccessfulDelete", $"Deleted pod: {Json.Name(extra)}", "replicaset-controller");
            }
            var pods = state.Store.List(podType, ns).Items
                .Where(p => Owners.IsOwnedBy(p, rs) && Json.Str(p, "status", "phase") is not ("Succeeded" or "Failed")).ToList();
            var ready = pods.Count(PodLifecycle.IsReady);
            var status = new JsonObject
            {
                ["replicas"] = pods.Count, ["fullyLabeledReplicas"] = pods.Count,
                ["observedGeneration"] = Json.Long(rs, "metadata", "generation") ?? 1,
            };
            if (ready > 0) { status["readyReplicas"] = ready; status["availableReplicas"] = ready; }
            var latest = state.Store.Get(rsType, ns, Json.Name(rs));
            if (latest is null) continue;
            var next = Json.Clone(latest);
            next["status"] = status;
            state.Store.Update(rsType, ns, Json.Name(rs), next, UpdateKind.Status);
        }
    }

    public static JsonObject PodFromTemplate(JsonObject owner)
    {
        var template = Json.At(owner, "spec", "template") as JsonObject ?? new JsonObject();
        var meta = Json.At(template, "metadata")?.DeepClone() as JsonObject ?? new JsonObject();
        meta.Remove("name");
        meta["generateName"] = Json.Name(owner) + "-";
        meta["ownerReferences"] = Owners.ControllerRef(owner);
        return new JsonObject
        {
            ["apiVersion"] = "v1", ["kind"] = "Pod", ["metadata"] = meta,
            ["spec"] = Json.At(template, "spec")?.DeepClone() ?? new JsonObject(),
        };
    }
}
