using System.Text.Json.Nodes;
using Fleet.KubeEmulator.Store;

namespace Fleet.KubeEmulator.Controllers;

/// <summary>DaemonSet → one pod on every schedulable node that matches the template's nodeSelector.</summary>
public sealed class DaemonSetController(EmulatorState state, EventRecorder events) : IController
{
    public void Reconcile()
    {
        var podType = state.Type("", "pods");
        var dsType = state.Type("apps", "daemonsets");
        var nodes = state.Store.List(state.Type("", "nodes"), null).Items;
        foreach (var ds in state.Store.List(dsType, null).Items)
        {
            var ns = Json.Namespace(ds)!;
            var name = Json.Name(ds);
            var hash = Names.StableHash((Json.At(ds, "spec", "template") ?? new JsonObject()).ToJsonString());
            var selector = Json.Labels(ds, "spec", "template", "spec", "nodeSelector");
            var eligible = nodes.Where(n => Json.At(n, "spec", "unschedulable")?.GetValue<bool>() != true
                                            && selector.All(kv => Json.Labels(n).TryGetValue(kv.Key, out var v) && v == kv.Value))
                .Select(Json.Name).ToHashSet();
            var owned = state.Store.List(podType, ns).Items.Where(p => Owners.IsOwnedBy(p, ds)).ToList();
            foreach (var pod in owned)
            {
                var onEligible = eligible.Contains(Json.Str(pod, "spec", "nodeName") ?? "");
                if (onEligible && Json.Labels(pod).GetValueOrDefault("controller-revision-hash") == hash) continue;
                state.Store.Delete(podType, ns, Json.Name(pod));
                events.Normal(ds, "SuccessfulDelete", $"Deleted pod: {Json.Name(pod)}", "daemonset-controller");
            }
            foreach (var node in eligible.Order())
            {
                if (owned.Any(p => Json.Str(p, "spec", "nodeName") == node && Json.Labels(p).GetValueOrDefault("controller-revision-hash") == hash)) continue;
                var pod = ReplicaSetController.PodFromTemplate(ds);
                var labels = Json.Obj(Json.Meta(pod), "labels");
                labels["controller-revision-hash"] = hash;
                labels["pod-template-generation"] = (Json.Long(ds, "metadata", "generation") ?? 1).ToString();
                Json.Obj(pod, "spec")["nodeName"] = node;
                var created = state.Store.Create(podType, ns, pod);
                events.Normal(ds, "SuccessfulCreate", $"Created pod: {Json.Name(created)}", "daemonset-controller");
            }
            var pods = state.Store.List(podType, ns).Items.Where(p => Owners.IsOwnedBy(p, ds)).ToList();
            var ready = pods.Count(PodLifecycle.IsReady);
            var status = new JsonObject
            {
                ["currentNumberScheduled"] = pods.Count, ["desiredNumberScheduled"] = eligible.Count,
                ["numberMisscheduled"] = 0, ["numberReady"] = ready, ["numberAvailable"] = ready,
                ["updatedNumberScheduled"] = pods.Count, ["observedGeneration"] = Json.Long(ds, "metadata", "generation") ?? 1,
            };
            if (eligible.Count - ready > 0) status["numberUnavailable"] = eligible.Count - ready;
            var next = Json.Clone(state.Store.Get(dsType, ns, name) ?? ds);
            next["status"] = status;
            state.Store.Update(dsType, ns, name, next, UpdateKind.Status);
        }
    }
}
