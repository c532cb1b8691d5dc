using Fleet.Core.Pioneer;

namespace Fleet.Functions.Pioneer;

/// <summary>CloudPioneer under <c>/api/pioneer</c> (seeds/cloudpioneer-api.md).</summary>
public static class PioneerModule
{
    public static IServiceCollection AddPioneer(this IServiceCollection services, IConfiguration configuration)
    {
        services.Configure<PioneerOptions>(configuration.GetSection("Pioneer"));
        services.AddSingleton<HomeiResourceSource>();
        services.AddSingleton<KubeEdgeResourceSource>();
        services.AddSingleton<KubernetesResourceSource>();
        services.AddSingleton<ResourceInventory>();
        return services;
    }

    public static RouteGroupBuilder MapPioneerApi(this RouteGroupBuilder group)
    {
        group.MapPioneerHealth();
        group.MapPioneerAuth();
        group.MapPioneerSystem();
        group.MapPioneerResources();
        return group;
    }
}
