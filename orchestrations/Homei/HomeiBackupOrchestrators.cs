using Fleet.Core.Homei;
using Microsoft.DurableTask;

namespace Fleet.Orchestrations.Homei;

public sealed record BackupCreateInput(string FileName, string Type, bool IncludeData, DateTimeOffset CreatedAt);
public sealed record BackupCreateResult(string Name, long Size, string Type);
public sealed record BackupRestoreInput(string FileName);
public sealed record BackupRestoreResult(string Name, List<string> Services, List<string> Volumes);

/// <summary>
/// Creates a backup. The name and time come from the route so the orchestrator stays deterministic; the
/// archive is built and uploaded in one activity because volume data should not travel through history.
/// </summary>
public sealed class HomeiBackupCreateOrchestrator : TaskOrchestrator<BackupCreateInput, BackupCreateResult>
{
    public override async Task<BackupCreateResult> RunAsync(TaskOrchestrationContext context, BackupCreateInput input)
    {
        context.SetCustomStatus(new { stage = "archiving", percent = 0, name = input.FileName, type = input.Type });
        var size = await context.CallActivityAsync<long>(nameof(HomeiBackupCreateActivity), input);
        context.SetCustomStatus(new { stage = "completed", percent = 100, name = input.FileName, type = input.Type, size });
        return new BackupCreateResult(input.FileName, size, input.Type);
    }
}

/// <summary>Builds and uploads the archive (idempotent: a rerun overwrites the same blob).</summary>
public sealed class HomeiBackupCreateActivity(HomeiBackups backups) : TaskActivity<BackupCreateInput, long>
{
    public override Task<long> RunAsync(TaskActivityContext context, BackupCreateInput input) =>
        backups.CreateAsync(input.FileName, input.Type, input.IncludeData, input.CreatedAt);
}

/// <summary>
/// Restores a backup: stop the backup's services, write back named volumes, then definitions and
/// configuration, then recreate and start each service. Each step shows in the custom status.
/// </summary>
public sealed class HomeiBackupRestoreOrchestrator : TaskOrchestrator<BackupRestoreInput, BackupRestoreResult>
{
    public override async Task<BackupRestoreResult> RunAsync(TaskOrchestrationContext context, BackupRestoreInput input)
    {
        context.SetCustomStatus(new { stage = "reading", percent = 0, name = input.FileName });
        var plan = await context.CallActivityAsync<BackupPlan>(nameof(HomeiBackupPlanActivity), input);
        context.SetCustomStatus(new { stage = "stopping_services", percent = 20, name = input.FileName, services = plan.Services });
        await context.CallActivityAsync(nameof(HomeiBackupStopActivity), plan);
        context.SetCustomStatus(new { stage = "restoring_volumes", percent = 40, name = input.FileName, volumes = plan.Volumes });
        await context.CallActivityAsync(nameof(HomeiBackupRestoreVolumesActivity), input);
        context.SetCustomStatus(new { stage = "restoring_definitions", percent = 60, name = input.FileName });
        await context.CallActivityAsync(nameof(HomeiBackupRestoreDefinitionsActivity), input);
        context.SetCustomStatus(new { stage = "starting_services", percent = 80, name = input.FileName, services = plan.Services });
        await context.CallActivityAsync(nameof(HomeiBackupStartActivity), plan);
        context.SetCustomStatus(new { stage = "completed", percent = 100, name = input.FileName, services = plan.Services, volumes = plan.Volumes });
        return new BackupRestoreResult(input.FileName, plan.Services, plan.Volumes);
    }
}

/// <summary>Which services and volumes the backup holds.</summary>
public sealed class HomeiBackupPlanActivity(HomeiBackups backups) : TaskActivity<BackupRestoreInput, BackupPlan>
{
    public override async Task<BackupPlan> RunAsync(TaskActivityContext context, BackupRestoreInput input)
    {
        var content = await backups.ReadAsync(input.FileName);
        return new BackupPlan(content.Type, content.Services.Select(s => s.Name).ToList(), content.Volumes.Keys.ToList());
    }
}

/// <summary>Removes the services' containers (idempotent: a missing container is already stopped).</summary>
public sealed class HomeiBackupStopActivity(HomeiBackups backups) : TaskActivity<BackupPlan, bool>
{
    public override async Task<bool> RunAsync(TaskActivityContext context, BackupPlan plan)
    {
        await backups.StopServicesAsync(plan.Services);
        return true;
    }
}

/// <summary>Empties and refills each named volume from the archive (idempotent: same content each run).</summary>
public sealed class HomeiBackupRestoreVolumesActivity(HomeiBackups backups) : TaskActivity<BackupRestoreInput, bool>
{
    public override async Task<bool> RunAsync(TaskActivityContext context, BackupRestoreInput input)
    {
        var content = await backups.ReadAsync(input.FileName);
        foreach (var (volume, tar) in content.Volumes) await backups.WriteVolumeAsync(volume, tar);
        return true;
    }
}

/// <summary>Upserts definitions and replaces the configuration (idempotent).</summary>
public sealed class HomeiBackupRestoreDefinitionsActivity(HomeiBackups backups) : TaskActivity<BackupRestoreInput, bool>
{
    public override async Task<bool> RunAsync(TaskActivityContext context, BackupRestoreInput input)
    {
        await backups.RestoreDefinitionsAsync(await backups.ReadAsync(input.FileName));
        return true;
    }
}

/// <summary>Recreates each service's container from its restored definition, started if enabled (dependencies first).</summary>
public sealed class HomeiBackupStartActivity(HomeiServiceManager manager) : TaskActivity<BackupPlan, bool>
{
    public override async Task<bool> RunAsync(TaskActivityContext context, BackupPlan plan)
    {
        foreach (var s in plan.Services) await manager.UpdateAsync(s, d => d);
        return true;
    }
}
