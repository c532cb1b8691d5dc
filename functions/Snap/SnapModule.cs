namespace Fleet.Functions.Snap;

/// <summary>SNAP under <c>/api/snap</c> (seeds/snap-api.md).</summary>
public static class SnapModule
{
    public static IServiceCollection AddSnap(this IServiceCollection services, IConfiguration configuration) => services.AddSnapRegistry(configuration);

    public static RouteGroupBuilder MapSnapApi(this RouteGroupBuilder group)
    {
        group.MapSnapClusters();
        group.MapSnapUsers();
        group.MapSnapRegistry();
        return group;
    }
}
