using System.Text.Json.Nodes;
using Fleet.KubeEmulator.Store;

namespace Fleet.KubeEmulator.Controllers;

/// <summary>Job → Pods, one at a time until spec.completions have Succeeded; then Complete with completionTime.</summary>
public sealed class JobController(EmulatorState state, EventRecorder events) : IController
{
    public void Reconcile()
    {
        var podType = state.Type("", "pods");
        var jobType = state.Type("batch", "jobs");
        foreach (var job in state.Store.List(jobType, null).Items)
        {
            var ns = Json.Namespace(job)!;
            var oldStatus = job["status"] as JsonObject;
            if (Json.Objects(oldStatus?["conditions"]).Any(c => Json.Str(c, "type") is "Complete" or "Failed" && Json.Str(c, "status") == "True"))
                continue;
            var completions = Json.Long(job, "spec", "completions") ?? 1;
            var pods = state.Store.List(podType, ns).Items.Where(p => Owners.IsOwnedBy(p, job)).ToList();
            var succeeded = pods.Count(p => Json.Str(p, "status", "phase") == "Succeeded");
            var failed = pods.Count(p => Json.Str(p, "status", "phase") == "Failed");
            var active = pods.Count - succeeded - failed;
            var suspended = Json.At(job, "spec", "suspend")?.GetValue<bool>() == true;
            if (!suspended && active == 0 && succeeded < completions)
            {
                var pod = ReplicaSetController.PodFromTemplate(job);
                var created = state.Store.Create(podType, ns, pod);
                events.Normal(job, "SuccessfulCreate", $"Created pod: {Json.Name(created)}", "job-controller");
                active = 1;
            }
            var status = new JsonObject
            {
                ["startTime"] = oldStatus?["startTime"]?.DeepClone() ?? Json.Now(),
            };
            if (active > 0) status["active"] = active;
            if (succeeded > 0) status["succeeded"] = succeeded;
            if (failed > 0) status["failed"] = failed;
            status["ready"] = pods.Count(PodLifecycle.IsReady);
            status["terminating"] = 0;
            status["uncountedTerminatedPods"] = new JsonObject();
            if (succeeded >= completions)
            {
                var now = Json.Now();
                status["completionTime"] = now;
                status["conditions"] = new JsonArray(
                    new JsonObject { ["type"] = "SuccessCriteriaMet", ["status"] = "True", ["lastProbeTime"] = now, ["lastTransitionTime"] = now, ["reason"] = "CompletionsReached", ["message"] = "Reached expected number of succeeded pods" },
                    new JsonObject { ["type"] = "Complete", ["status"] = "True", ["lastProbeTime"] = now, ["lastTransitionTime"] = now, ["reason"] = "CompletionsReached", ["message"] = "Reached expected number of succeeded pods" });
                events.Normal(job, "Completed", "Job completed", "job-controller");
            }
            var next = Json.Clone(job);
            next["status"] = status;
            state.Store.Update(jobType, ns, Json.Name(job), next, UpdateKind.Status);
        }
    }
}
