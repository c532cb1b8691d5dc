using System.Text.Json.Nodes;
using Fleet.Core.KubeEdge;
using Fleet.Core.Platform.Errors;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Fleet.Functions.Platform.Auth;
using Fleet.Orchestrations.KubeEdge;
using Microsoft.Extensions.Options;

namespace Fleet.Functions.KubeEdge;

/// <summary>POST /backup and /restore, each an orchestration.</summary>
public static class KubeEdgeBackupFunctions
{
    public sealed record BackupRequest(string? Name, IReadOnlyList<string>? Include = null);
    public sealed record RestoreRequest(string? BackupId, IReadOnlyList<string>? Include = null);

    public static void MapKubeEdgeBackups(this RouteGroupBuilder group)
    {
        group.MapPost("/backup", Backup).RequireRole(FleetRole.Admin).WithSummary("Create backup").Produces(StatusCodes.Status200OK).Produces(StatusCodes.Status202Accepted);
        group.MapPost("/restore", Restore).RequireRole(FleetRole.Admin).WithSummary("Restore from backup").Produces(StatusCodes.Status200OK).Produces(StatusCodes.Status202Accepted);
    }

    private static async Task<IResult> Backup(BackupRequest body, HttpRequest request, BackupService backups, KubeEdgeScope scope,
        DurableTaskClient client, IOptions<KubeEdgeOptions> options, CancellationToken ct)
    {
        var name = KubeEdgeValidation.Label(body.Name, "name");
        var include = BackupService.ValidateInclude(body.Include);
        var clusterId = await scope.ClusterIdAsync(ct);
        if (await backups.ManifestAsync(clusterId, name, ct) is not null) throw FleetException.Conflict($"backup '{name}' already exists");
        var id = await client.ScheduleNewOrchestrationInstanceAsync(nameof(BackupOrchestrator), new BackupInput(clusterId, name, include),
            new StartOrchestrationOptions($"kubeedge-backup-{Guid.NewGuid():N}"), ct);
        return await KubeEdgeLongRun.RespondAsync<BackupOutput>(request, client, id, options, o => Task.FromResult<object>(o),
            () => new JsonObject { ["status"] = "running", ["backup_id"] = name });
    }

    private static async Task<IResult> Restore(RestoreRequest body, HttpRequest request, BackupService backups, KubeEdgeScope scope,
        DurableTaskClient client, IOptions<KubeEdgeOptions> options, CancellationToken ct)
    {
        var name = KubeEdgeValidation.Label(body.BackupId, "backup_id");
        var clusterId = await scope.ClusterIdAsync(ct);
        var manifest = await backups.ManifestAsync(clusterId, name, ct) ?? throw FleetException.NotFound($"backup '{name}' not found");
        var include = body.Include is null ? manifest.Include : BackupService.ValidateInclude(body.Include);
        var id = await client.ScheduleNewOrchestrationInstanceAsync(nameof(RestoreOrchestrator), new BackupInput(clusterId, name, include),
            new StartOrchestrationOptions($"kubeedge-restore-{Guid.NewGuid():N}"), ct);
        return await KubeEdgeLongRun.RespondAsync<BackupOutput>(request, client, id, options, o => Task.FromResult<object>(o),
            () => new JsonObject { ["status"] = "running", ["backup_id"] = name });
    }
}
