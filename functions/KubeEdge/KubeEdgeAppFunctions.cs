using System.Text.Json.Nodes;
using Fleet.Core.KubeEdge;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Fleet.Functions.Platform.Auth;
using Fleet.Orchestrations.KubeEdge;
using Microsoft.Extensions.Options;

namespace Fleet.Functions.KubeEdge;

/// <summary>Apps on edge nodes: create the Deployment, then answer with its rollout (or 202 while it is still rolling out).</summary>
public static class KubeEdgeAppFunctions
{
    public static void MapKubeEdgeApps(this RouteGroupBuilder group) =>
        group.MapPost("/apps/deploy", Deploy).RequireRole(FleetRole.Operator).WithSummary("Deploy app to edges").Produces(StatusCodes.Status201Created).Produces(StatusCodes.Status202Accepted);

    private static async Task<IResult> Deploy(AppDeployRequest body, HttpRequest request, EdgeAppDeployer deployer, DurableTaskClient client,
        IOptions<KubeEdgeOptions> options, CancellationToken ct)
    {
        var valid = EdgeAppDeployer.Validate(body);
        var work = await deployer.CreateAsync(valid, ct);
        var id = await client.ScheduleNewOrchestrationInstanceAsync(nameof(AppRolloutOrchestrator),
            new AppRolloutInput(work, options.Value.RolloutPollSeconds, options.Value.RolloutMaxPolls),
            new StartOrchestrationOptions("kubeedge-app-" + Guid.NewGuid().ToString("N")), ct);
        return await KubeEdgeLongRun.RespondAsync<AppRolloutStatus>(request, client, id, options, o => Task.FromResult<object>(o),
            () => new JsonObject
            {
                ["status"] = "progressing", ["name"] = work.Name, ["namespace"] = work.Namespace, ["replicas"] = work.Replicas, ["instance_id"] = id,
            }, StatusCodes.Status201Created);
    }
}
