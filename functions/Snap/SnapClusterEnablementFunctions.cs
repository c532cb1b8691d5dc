using System.Text.Json.Nodes;
using Fleet.Core.Kubernetes;
using Fleet.Core.Platform.Errors;
using Fleet.Core.Snap;
using Fleet.Functions.Platform.Auth;
using Fleet.Functions.Platform.Contract;
using Fleet.Orchestrations.Snap;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Worker;
using Microsoft.Extensions.Options;

namespace Fleet.Functions.Snap;

/// <summary>SNAP <c>/cluster/enable_checkpointing</c>, <c>install_runc</c>, <c>verify_checkpointing</c> and <c>statistics</c>.</summary>
public static class SnapClusterEnablementFunctions
{
    public sealed record EnableRequest([property: Name] string? ClusterName = null, IReadOnlyList<string>? NodeNames = null);
    public sealed record InstallRuncRequest([property: Name] string? ClusterName = null, string? RuncVersion = null, IReadOnlyList<string>? NodeNames = null);
    public sealed record VerifyRequest([property: Name] string? ClusterName = null);

    /// <summary>Services and orchestrations of cluster enablement (called from <see cref="SnapModule.AddSnap"/>).</summary>
    public static IServiceCollection AddSnapClusterEnablement(this IServiceCollection services)
    {
        services.AddSingleton<SnapClusterService>();
        services.AddDurableTaskWorker(b => b.AddTasks(r => r
            .AddOrchestrator<InstallRuncOrchestrator>().AddActivity<EnsureSnapAgentActivity>().AddActivity<InstallRuncOnNodeActivity>()));
        return services;
    }

    public static void MapSnapClusterEnablement(this RouteGroupBuilder group)
    {
        group.MapPost("/cluster/enable_checkpointing", Enable).RequireRole(FleetRole.Admin).WithName("SnapEnableCheckpointing")
            .WithSummary("Enable checkpointing").Produces<EnableResult>()
            .WithRequestExample(new { cluster_name = "production-cluster", node_names = new[] { "worker-node-1", "worker-node-2" } });
        group.MapPost("/cluster/install_runc", InstallRunc).RequireRole(FleetRole.Admin).WithName("SnapInstallRunc")
            .WithSummary("Install runC").Produces<InstallRuncOutput>().Produces(StatusCodes.Status202Accepted)
            .WithRequestExample(new { cluster_name = "production-cluster", runc_version = "1.2.4" });
        group.MapPost("/cluster/verify_checkpointing", Verify).RequireRole(FleetRole.Operator).WithName("SnapVerifyCheckpointing")
            .WithSummary("Verify checkpointing").Produces<VerifyResult>()
            .WithRequestExample(new { cluster_name = "production-cluster" });
        group.MapGet("/cluster/statistics", Statistics).RequireRole(FleetRole.Viewer).WithName("SnapClusterStatistics")
            .WithSummary("Get cluster statistics").Produces<StatisticsResult>();
    }

    private static async Task<IResult> Enable(EnableRequest body, ClusterRegistry clusters, SnapClusterService service, CancellationToken ct)
    {
        var cluster = await clusters.GetByNameAsync(Required(body.ClusterName, "cluster_name"), ct);
        return Results.Json(await service.EnableAsync(cluster.Id, Names(body.NodeNames), ct));
    }

    private static async Task<IResult> InstallRunc(InstallRuncRequest body, HttpRequest request, ClusterRegistry clusters, SnapClusterService service,
        DurableTaskClient client, IOptions<SnapOptions> options, CancellationToken ct)
    {
        var name = Required(body.ClusterName, "cluster_name");
        var version = SnapClusterService.CheckRuncVersion(body.RuncVersion);
        var cluster = await clusters.GetByNameAsync(name, ct);
        var nodes = await service.NodeNamesAsync(cluster.Id, Names(body.NodeNames), ct);
        var id = await client.ScheduleNewOrchestrationInstanceAsync(nameof(InstallRuncOrchestrator),
            new InstallRuncInput(cluster.Id, cluster.Name, version, nodes), new StartOrchestrationOptions($"snap-install-runc-{Guid.NewGuid():N}"), ct);
        return await SnapLongRun.RespondAsync<InstallRuncOutput>(request, client, id, options,
            () => new JsonObject { ["success"] = true, ["status"] = "running", ["cluster_name"] = cluster.Name, ["runc_version"] = version });
    }

    private static async Task<IResult> Verify(VerifyRequest body, ClusterRegistry clusters, SnapClusterService service, CancellationToken ct)
    {
        var cluster = await clusters.GetByNameAsync(Required(body.ClusterName, "cluster_name"), ct);
        return Results.Json(await service.VerifyAsync(cluster.Id, ct));
    }

    private static async Task<IResult> Statistics(SnapClusterService service, CancellationToken ct) =>
        Results.Json(await service.StatisticsAsync(ct));

    private static IReadOnlyList<string>? Names(IReadOnlyList<string>? names)
    {
        if (names is null) return null;
        if (names.Count > 1000) throw FleetException.Validation("node_names", "at most 1000 node names");
        foreach (var n in names)
            if (string.IsNullOrWhiteSpace(n) || n.Length > 253) throw FleetException.Validation("node_names", "node names must be 1-253 characters");
        return names;
    }

    private static string Required(string? value, string field) =>
        string.IsNullOrWhiteSpace(value) ? throw FleetException.Validation(field, $"{field} is required") : value;
}
