using Fleet.Core.Platform.Storage;
using Fleet.Core.Snap;

namespace Fleet.Functions.Snap;

/// <summary>SNAP under <c>/api/snap</c> (seeds/snap-api.md).</summary>
public static class SnapModule
{
    public static IServiceCollection AddSnap(this IServiceCollection services, IConfiguration configuration)
    {
        services.Configure<SnapOptions>(configuration.GetSection("Snap"));
        services.AddSingleton<SnapAgent>();
        services.AddSingleton<SnapCheckpointService>();
        services.AddSingleton<CritDecoder>();
        services.AddSingleton<SnapInsightsService>();
        services.AddFleetTable(SnapCheckpointService.Table);
        services.AddSnapClusterEnablement();
        services.AddSnapOperator(configuration);
        services.AddSnapRegistry(configuration);
        services.AddSnapHooks();
        return services;
    }

    public static RouteGroupBuilder MapSnapApi(this RouteGroupBuilder group)
    {
        group.MapSnapClusters();
        group.MapSnapUsers();
        group.MapSnapCheckpoints();
        group.MapSnapClusterEnablement();
        group.MapSnapOperator();
        group.MapSnapRegistry();
        group.MapSnapHooks();
        return group;
    }
}
