using System.Text.Json.Nodes;
using Fleet.KubeEmulator.Store;

namespace Fleet.KubeEmulator.Controllers;

/// <summary>StatefulSet → pods {name}-0..{n-1}; pods of an older template are replaced (all at once, no ordering guarantees).</summary>
public sealed class StatefulSetController(EmulatorState state, EventRecorder events) : IController
{
    public void Reconcile()
    {
        var podType = state.Type("", "pods");
        var stsType = state.Type("apps", "statefulsets");
        foreach (var sts in state.Store.List(stsType, null).Items)
        {
            var ns = Json.Namespace(sts)!;
            var name = Json.Name(sts);
            var replicas = Json.Long(sts, "spec", "replicas") ?? 1;
            var revision = $"{name}-{Names.StableHash((Json.At(sts, "spec", "template") ?? new JsonObject()).ToJsonString())}";
            var owned = state.Store.List(podType, ns).Items.Where(p => Owners.IsOwnedBy(p, sts)).ToList();
            foreach (var pod in owned)
            {
                var outdated = Json.Labels(pod).GetValueOrDefault("controller-revision-hash") != revision;
                var index = Json.Labels(pod).TryGetValue("apps.kubernetes.io/pod-index", out var i) && long.TryParse(i, out var n) ? n : long.MaxValue;
                if (!outdated && index < replicas) continue;
                state.Store.Delete(podType, ns, Json.Name(pod));
                events.Normal(sts, "SuccessfulDelete", $"delete Pod {Json.Name(pod)} in StatefulSet {name} successful", "statefulset-controller");
            }
            for (var index = 0; index < replicas; index++)
            {
                var podName = $"{name}-{index}";
                if (state.Store.Get(podType, ns, podName) is not null) continue;
                var pod = ReplicaSetController.PodFromTemplate(sts);
                var meta = Json.Meta(pod);
                meta.Remove("generateName");
                meta["name"] = podName;
                var labels = Json.Obj(meta, "labels");
                labels["controller-revision-hash"] = revision;
                labels["statefulset.kubernetes.io/pod-name"] = podName;
                labels["apps.kubernetes.io/pod-index"] = index.ToString();
                var spec = Json.Obj(pod, "spec");
                spec["hostname"] = podName;
                if (Json.Str(sts, "spec", "serviceName") is { Length: > 0 } service) spec["subdomain"] = service;
                state.Store.Create(podType, ns, pod);
                events.Normal(sts, "SuccessfulCreate", $"create Pod {podName} in StatefulSet {name} successful", "statefulset-controller");
            }
            var pods = state.Store.List(podType, ns).Items.Where(p => Owners.IsOwnedBy(p, sts)).ToList();
            var ready = pods.Count(PodLifecycle.IsReady);
            var status = new JsonObject
            {
                ["observedGeneration"] = Json.Long(sts, "metadata", "generation") ?? 1,
                ["replicas"] = pods.Count, ["readyReplicas"] = ready, ["currentReplicas"] = pods.Count,
                ["updatedReplicas"] = pods.Count, ["availableReplicas"] = ready,
                ["currentRevision"] = revision, ["updateRevision"] = revision, ["collisionCount"] = 0,
            };
            var next = Json.Clone(state.Store.Get(stsType, ns, name) ?? sts);
            next["status"] = status;
            state.Store.Update(stsType, ns, name, next, UpdateKind.Status);
        }
    }
}
