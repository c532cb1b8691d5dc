using Fleet.Core.Homei;
using Fleet.Core.Platform.Events;
using Microsoft.DurableTask;

namespace Fleet.Orchestrations.Homei;

public sealed record RaucInstallInput(string BundlePath);
public sealed record RaucInstallResult(string Status, string Message, string? Slot, string? Version);

/// <summary>
/// A RAUC install: the install activity, then a status read to name the slot written. Progress lines
/// reach clients as events from the activity; the orchestrator shows each step in its custom status.
/// </summary>
public sealed class RaucInstallOrchestrator : TaskOrchestrator<RaucInstallInput, RaucInstallResult>
{
    public override async Task<RaucInstallResult> RunAsync(TaskOrchestrationContext context, RaucInstallInput input)
    {
        context.SetCustomStatus(new { stage = "installing", percent = 0, bundle_path = input.BundlePath });
        var progress = await context.CallActivityAsync<List<RaucProgress>>(nameof(RaucInstallActivity), input);
        context.SetCustomStatus(new { stage = "verifying", percent = 100, progress });
        var written = await context.CallActivityAsync<RaucSlot?>(nameof(RaucInstalledSlotActivity), input);
        context.SetCustomStatus(new { stage = "completed", percent = 100, progress, slot = written?.Name });
        return new RaucInstallResult("installed", "Update installed successfully", written?.Name, written?.BundleVersion);
    }
}

/// <summary>Runs <c>rauc install</c> (idempotent: installing the same bundle again rewrites the same slot).</summary>
public sealed class RaucInstallActivity(RaucClient rauc, IEventBus bus) : TaskActivity<RaucInstallInput, List<RaucProgress>>
{
    public override async Task<List<RaucProgress>> RunAsync(TaskActivityContext context, RaucInstallInput input)
    {
        var seen = new List<RaucProgress>();
        await rauc.InstallAsync(input.BundlePath, p =>
        {
            lock (seen) seen.Add(p);
            bus.Publish("homei", "update.progress",
                new { instance_id = context.InstanceId, percent = p.Percent, message = p.Message });
        });
        return seen;
    }
}

/// <summary>The slot that now holds the newest installed bundle.</summary>
public sealed class RaucInstalledSlotActivity(RaucClient rauc) : TaskActivity<RaucInstallInput, RaucSlot?>
{
    public override async Task<RaucSlot?> RunAsync(TaskActivityContext context, RaucInstallInput input) =>
        (await rauc.StatusAsync()).Slots.Where(s => s.Installed?.Timestamp is not null)
            .OrderByDescending(s => s.Installed!.Timestamp, StringComparer.Ordinal).FirstOrDefault();
}
