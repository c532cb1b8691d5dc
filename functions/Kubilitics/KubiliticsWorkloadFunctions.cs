using System.Text.Json.Nodes;
using Fleet.Core.Kubilitics;
using Fleet.Functions.Platform.Auth;

namespace Fleet.Functions.Kubilitics;

/// <summary>Rollout history and rollback, CronJob trigger and jobs, Job retry.</summary>
public static class KubiliticsWorkloadFunctions
{
    public sealed record RolloutHistory(IReadOnlyList<RolloutRevision> Revisions);
    public sealed record RollbackRequest(long? Revision = null);
    public sealed record RolledBack(string Message);
    public sealed record Triggered(string JobName, string Message);
    public sealed record Retried(string JobName, string Message);
    public sealed record JobList(JsonArray Items);

    public static void MapKubiliticsWorkloads(this RouteGroupBuilder group)
    {
        var c = group.MapGroup("/v1/clusters/{clusterId}/resources").WithTags("kubilitics");
        c.MapGet("/deployments/{namespace}/{name}/rollout-history", History).ViewerReadsOperatorWrites().ClusterCall<RolloutHistory>("Deployment rollout history (from its ReplicaSets)");
        c.MapPost("/deployments/{namespace}/{name}/rollback", Rollback).ViewerReadsOperatorWrites().ClusterCall<RolledBack>("Roll a Deployment back to a revision (0 or none: the previous one)", 400, 409);
        c.MapPost("/cronjobs/{namespace}/{name}/trigger", Trigger).ViewerReadsOperatorWrites().ClusterCall<Triggered>("Run a CronJob now (a Job from its jobTemplate)", 400, 409);
        c.MapGet("/cronjobs/{namespace}/{name}/jobs", Jobs).ViewerReadsOperatorWrites().ClusterCall<JobList>("Jobs owned by a CronJob");
        c.MapPost("/jobs/{namespace}/{name}/retry", Retry).ViewerReadsOperatorWrites().ClusterCall<Retried>("Retry a Job (a new Job from its spec)", 400, 409);
    }

    private static async Task<IResult> History(string clusterId, string @namespace, string name, WorkloadService workloads, CancellationToken ct) =>
        Results.Json(new RolloutHistory(await workloads.HistoryAsync(clusterId, @namespace, name, ct)));

    private static async Task<IResult> Rollback(string clusterId, string @namespace, string name, HttpRequest request, WorkloadService workloads, CancellationToken ct)
    {
        long revision = 0;
        if (request.ContentLength is > 0 || request.Headers.ContainsKey("Transfer-Encoding"))
        {
            JsonNode? body;
            try { body = await JsonNode.ParseAsync(request.Body, cancellationToken: ct); }
            catch (System.Text.Json.JsonException) { throw Core.Platform.Errors.FleetException.Validation("body", "the body is not valid JSON"); }
            var r = body?["revision"];
            if (r is not null && (r is not JsonValue v || !v.TryGetValue(out revision)))
                throw Core.Platform.Errors.FleetException.Validation("revision", "revision must be an integer");
        }
        return Results.Json(new RolledBack(await workloads.RollbackAsync(clusterId, @namespace, name, revision, ct)));
    }

    private static async Task<IResult> Trigger(string clusterId, string @namespace, string name, WorkloadService workloads, CancellationToken ct) =>
        Results.Json(new Triggered(await workloads.TriggerAsync(clusterId, @namespace, name, ct), "CronJob triggered"));

    private static async Task<IResult> Jobs(string clusterId, string @namespace, string name, WorkloadService workloads, CancellationToken ct) =>
        Results.Json(new JobList(await workloads.CronJobJobsAsync(clusterId, @namespace, name, ct)));

    private static async Task<IResult> Retry(string clusterId, string @namespace, string name, WorkloadService workloads, CancellationToken ct) =>
        Results.Json(new Retried(await workloads.RetryAsync(clusterId, @namespace, name, ct), "Job retried"));
}
