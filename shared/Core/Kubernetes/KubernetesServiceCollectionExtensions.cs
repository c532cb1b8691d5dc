using Fleet.Core.Platform.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Fleet.Core.Kubernetes;

public static class KubernetesServiceCollectionExtensions
{
    public static IServiceCollection AddFleetClusters(this IServiceCollection services, IConfiguration configuration)
    {
        services.Configure<KubernetesOptions>(configuration.GetSection("Kubernetes"));
        services.Configure<KubernetesOptions>(o =>
        {
            if (configuration["Clusters:KubeconfigDirectory"] is { Length: > 0 } dir) o.KubeconfigDirectory = dir;
        });
        services.AddDataProtection();
        services.AddSingleton<ClusterConnections>();
        services.AddSingleton<KubeconfigVault>();
        services.AddSingleton<ClusterRegistry>();
        services.AddFleetTable(ClusterRegistry.Table);
        services.AddHealthChecks().AddCheck<KubernetesHealthCheck>("kubernetes", timeout: Platform.PlatformServiceCollectionExtensions.HealthProbeTimeout);
        return services;
    }
}
