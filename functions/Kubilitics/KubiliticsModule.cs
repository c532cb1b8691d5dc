namespace Fleet.Functions.Kubilitics;

/// <summary>Kubilitics under <c>/api/kubilitics</c> (seeds/kubilitics-api.md).</summary>
public static class KubiliticsModule
{
    public static IServiceCollection AddKubilitics(this IServiceCollection services, IConfiguration configuration) => services;

    public static RouteGroupBuilder MapKubiliticsApi(this RouteGroupBuilder group)
    {
        group.MapKubiliticsHealth();
        group.MapKubiliticsClusters();
        return group;
    }
}
