using Fleet.Core.Platform.Mesh;
using Fleet.Core.Platform.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Fleet.Core.Platform.Timers;

/// <summary>The hosted service that runs every enabled timer of the catalog, each in its own loop.</summary>
internal sealed class TimerScheduler(TimerCatalog catalog, FleetStorage storage, TimerStatusStore store, TimeProvider clock,
    HostIdentity host, LeaseBook book, ILoggerFactory loggers) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var log = loggers.CreateLogger("Fleet.Timers");
        var enabled = catalog.Timers.Where(t => !t.Disabled).ToList();
        foreach (var t in catalog.Timers.Where(t => t.Disabled))
            log.LogInformation("Timer {Timer} is disabled (Timers:{Timer}:Disabled)", t.Name, t.Name);
        await Task.WhenAll(enabled.Select(t => Task.Run(
            () => new TimerRunner(t, storage, store, clock, host, book, log).RunAsync(stoppingToken), CancellationToken.None)));
    }
}
