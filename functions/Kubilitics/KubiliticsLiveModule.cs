using Fleet.Core.Kubernetes;
using Fleet.Core.Kubilitics;
using Fleet.Core.Kubilitics.Shell;
using Fleet.Core.Platform.Storage;

namespace Fleet.Functions.Kubilitics;

/// <summary>Issue 16's part of Kubilitics: views, logs, metrics, events, shell and kcli, pod exec, projects, resource stream.</summary>
public static class KubiliticsLiveModule
{
    public static IServiceCollection AddKubiliticsLive(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddFleetTable(ProjectStore.Table);
        services.AddSingleton<ProjectStore>();
        services.AddSingleton<ProjectService>();
        services.AddSingleton<IClusterRemovedListener, ProjectClusterCleanup>();
        services.AddSingleton<ClusterEvents>();
        services.AddSingleton<ClusterViews>();
        services.AddSingleton<PodLogs>();
        services.AddSingleton<ClusterMetrics>();
        services.Configure<ShellOptions>(configuration.GetSection("Kubilitics:Shell"));
        services.AddSingleton<KubectlRunner>();
        services.AddSingleton<KubectlShell>();
        services.AddSingleton<ShellCompletion>();
        services.AddSingleton<PodExec>();
        services.AddSingleton<ResourceWatchHub>();
        return services;
    }

    public static RouteGroupBuilder MapKubiliticsLive(this RouteGroupBuilder group)
    {
        group.MapKubiliticsProjects();
        group.MapKubiliticsViews();
        group.MapKubiliticsLogs();
        group.MapKubiliticsMetrics();
        group.MapKubiliticsShell();
        group.MapKubiliticsPodExec();
        group.MapKubiliticsResourceStream();
        return group;
    }
}
