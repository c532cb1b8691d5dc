using Fleet.Core.Snap.Operator;
using Fleet.Functions.Platform.Auth;
using Fleet.Functions.Platform.Contract;

namespace Fleet.Functions.Snap;

/// <summary>
/// SNAP's operator (SnapWatcher): <c>operator/start</c>, <c>operator/stop</c>, <c>operator/status</c>. The watcher itself runs in
/// <see cref="SnapWatcherHost"/>; these only define, remove and list watchers (<see cref="SnapOperatorService"/>).
/// </summary>
public static class SnapOperatorFunctions
{
    /// <summary>The seed's <c>cluster_config</c>: the cluster is the registered one; a server URL given must be its own.</summary>
    public sealed record OperatorClusterConfig(string? ApiServerUrl = null, string? AuthType = null);

    /// <summary><c>registry_config</c> (Fleet's addition) names where the images go; by default the cluster's <c>registry_name</c>,
    /// else the only registry config.</summary>
    public sealed record OperatorStartRequest([property: Name] string? ClusterName = null, OperatorClusterConfig? ClusterConfig = null, string? Scope = null,
        string? Namespace = null, bool? AutoDeletePod = null, [property: Name] string? RegistryConfig = null);

    public sealed record OperatorStopRequest([property: Name] string? ClusterName = null);

    public sealed record OperatorWatcherResult(bool Success, string Message, SnapWatcherView Watcher);

    public static void MapSnapOperator(this RouteGroupBuilder group)
    {
        group.MapPost("/operator/start", Start).RequireRole(FleetRole.Operator).WithName("SnapOperatorStart").WithSummary("Start SnapWatcher")
            .WithDescription("Starts the cluster's SnapWatcher: pods annotated snap.io/checkpoint: \"true\" (every namespace, or only `namespace` "
                + "with scope namespace) are checkpointed, pushed to the registry config and, with auto_delete_pod, deleted. 409 when one runs already.")
            .WithRequestExample(new
            {
                cluster_name = "production-cluster", cluster_config = new { api_server_url = "https://api.cluster.com:6443", auth_type = "kubeconfig" },
                scope = "cluster", @namespace = "snap", auto_delete_pod = true,
            })
            .Produces<OperatorWatcherResult>();
        group.MapPost("/operator/stop", Stop).RequireRole(FleetRole.Operator).WithName("SnapOperatorStop").WithSummary("Stop SnapWatcher")
            .WithDescription("Stops the cluster's SnapWatcher (404 when none runs); pods already taken up finish their checkpoint and push.")
            .WithRequestExample(new { cluster_name = "production-cluster" })
            .Produces<OperatorWatcherResult>();
        group.MapGet("/operator/status", Status).RequireRole(FleetRole.Viewer).WithName("SnapOperatorStatus").WithSummary("Get operator status")
            .Produces<SnapOperatorStatus>();
    }

    private static async Task<IResult> Start(OperatorStartRequest body, HttpContext http, SnapOperatorService operators, CancellationToken ct)
    {
        var watcher = await operators.StartAsync(new SnapWatcherStart(body.ClusterName, body.Scope, body.Namespace, body.AutoDeletePod,
            body.RegistryConfig, body.ClusterConfig?.ApiServerUrl, http.User.Identity?.Name), ct);
        return Results.Json(new OperatorWatcherResult(true, $"SnapWatcher started on cluster '{watcher.ClusterName}'", watcher));
    }

    private static async Task<IResult> Stop(OperatorStopRequest body, SnapOperatorService operators, CancellationToken ct)
    {
        var watcher = await operators.StopAsync(body.ClusterName, ct);
        return Results.Json(new OperatorWatcherResult(true, $"SnapWatcher stopped on cluster '{watcher.ClusterName}'", watcher));
    }

    private static async Task<IResult> Status(SnapOperatorService operators, CancellationToken ct) =>
        Results.Json(await operators.StatusAsync(ct));
}
