using Fleet.Core.Kubernetes;
using Fleet.Core.Platform.Storage;
using Fleet.Core.Snap.Operator;
using Fleet.Orchestrations.Snap;
using Microsoft.DurableTask.Worker;

namespace Fleet.Functions.Snap;

/// <summary>SNAP's operator: the watcher definitions, the hosted service that runs them and the pod orchestration.</summary>
public static class SnapOperatorModule
{
    public static IServiceCollection AddSnapOperator(this IServiceCollection services, IConfiguration configuration)
    {
        services.Configure<SnapWatcherOptions>(configuration.GetSection("Snap:Operator"));
        services.AddFleetTable(SnapWatcherStore.Table);
        services.AddFleetTable(SnapWatcherStore.PodTable);
        services.AddSingleton<SnapWatcherStore>();
        services.AddSingleton<SnapWatcherPods>();
        services.AddSingleton<SnapWatchLoop>();
        services.AddSingleton<SnapWatcherHost>();
        services.AddHostedService(sp => sp.GetRequiredService<SnapWatcherHost>());
        services.AddSingleton<SnapOperatorService>();
        services.AddSingleton<IClusterRemovedListener, SnapWatcherClusterCleanup>();
        services.AddDurableTaskWorker(b => b.AddTasks(r => r
            .AddOrchestrator<SnapWatcherPodOrchestrator>().AddActivity<SnapWatcherDeletePodActivity>().AddActivity<SnapWatcherRecordActivity>()));
        return services;
    }
}
