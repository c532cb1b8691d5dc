using Fleet.Core.KubeEdge;
using Fleet.Functions.Platform.Auth;

namespace Fleet.Functions.KubeEdge;

/// <summary>GET/PUT /config and the CloudCore deployment routes.</summary>
public static class KubeEdgeConfigFunctions
{
    public sealed record DeployRequest(string? Version = null, int? Replicas = null);

    public static void MapKubeEdgeConfig(this RouteGroupBuilder group)
    {
        group.MapGet("/config", async (KubeEdgeConfigStore config, CancellationToken ct) => Results.Json(await config.GetAsync(ct)))
            .RequireRole(FleetRole.Viewer).WithSummary("Current config");
        group.MapPut("/config", async (KubeEdgeConfigChange body, KubeEdgeConfigStore config, MqttListener listener, CancellationToken ct) =>
        {
            var saved = await config.UpdateAsync(body, ct);
            await listener.ListenAsync(saved.MqttTopicPrefix, ct);
            return Results.Json(saved);
        }).RequireRole(FleetRole.Admin).WithSummary("Update config");

        group.MapPost("/cloudcore/deploy", async (DeployRequest? body, CloudCoreDeployer deployer, KubeEdgeConfigStore config, CancellationToken ct) =>
        {
            var version = body?.Version ?? (await config.GetAsync(ct)).KubeedgeVersion;
            return Results.Json(await deployer.DeployAsync(version, body?.Replicas ?? 1, ct));
        }).RequireRole(FleetRole.Admin).WithSummary("Deploy CloudCore");
        group.MapGet("/cloudcore/status", async (CloudCoreDeployer deployer, CancellationToken ct) => Results.Json(await deployer.StatusAsync(ct)))
            .RequireRole(FleetRole.Viewer).WithSummary("CloudCore pods & services");
    }
}
