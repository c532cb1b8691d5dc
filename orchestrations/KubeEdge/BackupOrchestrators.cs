using Fleet.Core.KubeEdge;
using Microsoft.DurableTask;

namespace Fleet.Orchestrations.KubeEdge;

public sealed record BackupInput(string ClusterId, string BackupId, IReadOnlyList<string> Include);
public sealed record SectionWork(string ClusterId, string BackupId, string Section);
public sealed record BackupOutput(string Status, string BackupId, IReadOnlyList<string> Include, IReadOnlyDictionary<string, int> Counts, DateTime CreatedAt);

/// <summary>Exports each included section, then the manifest (so a half-done backup is never restorable).</summary>
public sealed class BackupOrchestrator : TaskOrchestrator<BackupInput, BackupOutput>
{
    public override async Task<BackupOutput> RunAsync(TaskOrchestrationContext context, BackupInput input)
    {
        var retry = TaskOptions.FromRetryPolicy(new RetryPolicy(3, TimeSpan.FromSeconds(1), 2));
        var counts = new Dictionary<string, int>();
        foreach (var s in input.Include)
            counts[s] = await context.CallActivityAsync<int>(nameof(ExportSectionActivity), new SectionWork(input.ClusterId, input.BackupId, s), retry);
        var manifest = new BackupManifest(input.BackupId, input.ClusterId, input.Include, counts, context.CurrentUtcDateTime);
        await context.CallActivityAsync(nameof(WriteManifestActivity), manifest, retry);
        return new BackupOutput("completed", input.BackupId, input.Include, counts, context.CurrentUtcDateTime);
    }
}

/// <summary>Restores config, then tokens, then devices (records and Device CRs); each step is an idempotent upsert.</summary>
public sealed class RestoreOrchestrator : TaskOrchestrator<BackupInput, BackupOutput>
{
    public override async Task<BackupOutput> RunAsync(TaskOrchestrationContext context, BackupInput input)
    {
        var retry = TaskOptions.FromRetryPolicy(new RetryPolicy(3, TimeSpan.FromSeconds(1), 2));
        var counts = new Dictionary<string, int>();
        foreach (var s in BackupService.Sections.Where(input.Include.Contains))
            counts[s] = await context.CallActivityAsync<int>(nameof(RestoreSectionActivity), new SectionWork(input.ClusterId, input.BackupId, s), retry);
        return new BackupOutput("restored", input.BackupId, input.Include, counts, context.CurrentUtcDateTime);
    }
}

public sealed class ExportSectionActivity(BackupService backups) : TaskActivity<SectionWork, int>
{
    public override Task<int> RunAsync(TaskActivityContext context, SectionWork input) =>
        backups.ExportAsync(input.ClusterId, input.BackupId, input.Section, CancellationToken.None);
}

public sealed class WriteManifestActivity(BackupService backups) : TaskActivity<BackupManifest, bool>
{
    public override async Task<bool> RunAsync(TaskActivityContext context, BackupManifest input)
    {
        await backups.WriteManifestAsync(input, CancellationToken.None);
        return true;
    }
}

public sealed class RestoreSectionActivity(BackupService backups) : TaskActivity<SectionWork, int>
{
    public override Task<int> RunAsync(TaskActivityContext context, SectionWork input) =>
        backups.RestoreAsync(input.ClusterId, input.BackupId, input.Section, CancellationToken.None);
}
