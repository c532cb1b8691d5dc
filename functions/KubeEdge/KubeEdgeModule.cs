namespace Fleet.Functions.KubeEdge;

/// <summary>KubeEdge CloudCore under <c>/api/kubeedge</c> (seeds/kubeedge-cloudcore-api.md).</summary>
public static class KubeEdgeModule
{
    public static IServiceCollection AddKubeEdge(this IServiceCollection services, IConfiguration configuration) => services;

    public static RouteGroupBuilder MapKubeEdgeApi(this RouteGroupBuilder group)
    {
        group.MapKubeEdgeHealth();
        return group;
    }
}
