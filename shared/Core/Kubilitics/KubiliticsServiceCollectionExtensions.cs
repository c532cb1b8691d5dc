using Fleet.Core.Kubilitics.Topology;
using Microsoft.Extensions.DependencyInjection;

namespace Fleet.Core.Kubilitics;

public static class KubiliticsServiceCollectionExtensions
{
    /// <summary>The services behind Kubilitics' cluster routes (resources, apply, workloads, relations, topology).</summary>
    public static IServiceCollection AddKubiliticsClusterServices(this IServiceCollection services)
    {
        services.AddSingleton<KubeCall>();
        services.AddSingleton<KubeDiscovery>();
        services.AddSingleton<ResourceService>();
        services.AddSingleton<ApplyService>();
        services.AddSingleton<WorkloadService>();
        services.AddSingleton<RelationsService>();
        services.AddSingleton<SearchService>();
        services.AddSingleton<TopologyService>();
        return services;
    }
}
