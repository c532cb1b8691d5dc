using Fleet.Core.Homei;
using Fleet.Core.Platform.Errors;
using Fleet.Functions.Platform.Auth;
using Fleet.Orchestrations.Homei;

namespace Fleet.Functions.Homei;

/// <summary>The seed's "Backup Management" routes under <c>/v1/backups</c>; create and restore run as orchestrations.</summary>
public static class HomeiBackupFunctions
{
    public sealed record CreateRequest
    {
        public string? Name { get; init; }
        public string? Type { get; init; }
        public bool? IncludeData { get; init; }
    }

    public sealed record BackupItem(string Name, DateTimeOffset CreatedAt, long Size, string Type);
    public sealed record BackupList(List<BackupItem> Backups);
    public sealed record StatusMessage(string Status, string Message);

    public static void MapHomeiBackups(this RouteGroupBuilder api)
    {
        var g = api.MapGroup("/v1/backups").ViewerReadsOperatorWrites();
        g.MapGet("", async (HomeiBackups backups, CancellationToken ct) =>
            new BackupList((await backups.ListAsync(ct)).Select(b => new BackupItem(b.Name, b.CreatedAt, b.Size, b.Type)).ToList()))
            .WithName("HomeiListBackups").WithSummary("List backups").RequireRole(FleetRole.Viewer);
        g.MapPost("", Create).WithName("HomeiCreateBackup").WithSummary("Create backup").RequireRole(FleetRole.Operator).Produces(StatusCodes.Status202Accepted);
        g.MapPost("/{backup_name}/restore", Restore).WithName("HomeiRestoreBackup").WithSummary("Restore backup").RequireRole(FleetRole.Operator).Produces(StatusCodes.Status202Accepted);
        g.MapDelete("/{backup_name}", async (string backup_name, HomeiBackups backups, CancellationToken ct) =>
        {
            await backups.DeleteAsync(backup_name, ct);
            return new StatusMessage("deleted", "Backup deleted successfully");
        }).WithName("HomeiDeleteBackup").WithSummary("Delete backup").RequireRole(FleetRole.Operator);
    }

    /// <summary>Name and type are checked here (400 before anything starts); the time is fixed here so the orchestrator stays deterministic.</summary>
    private static Task<IResult> Create(CreateRequest? body, HttpRequest request)
    {
        var type = body?.Type ?? "full";
        if (type is not ("full" or "config")) throw FleetException.Validation("type", $"'{type}' is not a backup type (full or config)");
        var now = DateTimeOffset.UtcNow;
        var file = BackupArchive.FileName(body?.Name, now);
        return HomeiLongRunning.RunAsync<BackupCreateResult>(request, nameof(HomeiBackupCreateOrchestrator),
            new BackupCreateInput(file, type, body?.IncludeData ?? true, now),
            r => new { name = r.Name, status = "created", message = "Backup created successfully" },
            new { name = file, status = "creating", message = "Backup creation started" },
            message => HomeiErrors.Backup(message), completedStatus: 201);
    }

    /// <summary>An unknown backup is a 404 before anything is stopped.</summary>
    private static async Task<IResult> Restore(string backup_name, HomeiBackups backups, HttpRequest request)
    {
        if (!await backups.ExistsAsync(backup_name, request.HttpContext.RequestAborted)) throw HomeiBackups.NotFound(backup_name);
        return await HomeiLongRunning.RunAsync<BackupRestoreResult>(request, nameof(HomeiBackupRestoreOrchestrator),
            new BackupRestoreInput(backup_name),
            _ => new StatusMessage("restored", "Backup restored successfully"),
            new StatusMessage("restoring", "Backup restore started"),
            message => HomeiErrors.Backup(message));
    }
}
