using Fleet.Core.Kubilitics;

namespace Fleet.Functions.Kubilitics;

/// <summary>Kubilitics under <c>/api/kubilitics</c> (seeds/kubilitics-api.md).</summary>
public static class KubiliticsModule
{
    public static IServiceCollection AddKubilitics(this IServiceCollection services, IConfiguration configuration) =>
        services.AddKubiliticsClusterServices().AddKubiliticsLive(configuration);

    public static RouteGroupBuilder MapKubiliticsApi(this RouteGroupBuilder group)
    {
        group.RequireDestructiveConfirmation();
        group.MapKubiliticsHealth();
        group.MapKubiliticsClusters();
        group.MapKubiliticsAuth();
        group.MapKubiliticsUsers();
        group.MapKubiliticsAudit();
        group.MapKubiliticsResources();
        group.MapKubiliticsWorkloads();
        group.MapKubiliticsRelations();
        group.MapKubiliticsTopology();
        group.MapKubiliticsLive();
        return group;
    }
}
