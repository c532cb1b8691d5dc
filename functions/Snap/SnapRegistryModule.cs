using Fleet.Core.Platform.Storage;
using Fleet.Core.Snap;
using Fleet.Orchestrations.Snap;
using Microsoft.DurableTask.Worker;

namespace Fleet.Functions.Snap;

/// <summary>SNAP's registry half: registry configs, logins, checkpoint image pushes and their progress socket.</summary>
public static class SnapRegistryModule
{
    public static IServiceCollection AddSnapRegistry(this IServiceCollection services, IConfiguration configuration)
    {
        services.Configure<SnapPushOptions>(configuration.GetSection("Snap:Push"));
        services.AddFleetTable(RegistryConfigService.Table);
        services.AddFleetTable(RegistryCredentialVault.Table);
        services.AddFleetTable(UploadLedger.Table);
        services.AddSingleton<RegistryConfigService>();
        services.AddSingleton<RegistryCredentialVault>();
        services.AddSingleton<RegistryTargets>();
        services.AddSingleton<OciHttp>();
        services.AddSingleton<UploadLedger>();
        services.AddSingleton<SnapProgress>();
        services.AddSingleton<SnapPushService>();
        services.AddDurableTaskWorker(b => b.AddTasks(r => r
            .AddOrchestrator<SnapPushOrchestrator>().AddActivity<SnapPrepareActivity>().AddActivity<SnapPushLayerActivity>()
            .AddActivity<SnapPushManifestActivity>().AddActivity<SnapPushCleanupActivity>()
            .AddOrchestrator<SnapCheckpointAndPushOrchestrator>().AddActivity<SnapCheckpointActivity>()));
        return services;
    }

    public static RouteGroupBuilder MapSnapRegistry(this RouteGroupBuilder group)
    {
        group.MapSnapRegistryConfigs();
        group.MapSnapPushes();
        group.MapSnapProgress();
        return group;
    }
}
