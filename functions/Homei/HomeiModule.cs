namespace Fleet.Functions.Homei;

/// <summary>Homei under <c>/api/homei</c> (seeds/homei-api.md).</summary>
public static class HomeiModule
{
    public static IServiceCollection AddHomei(this IServiceCollection services, IConfiguration configuration) => services;

    public static RouteGroupBuilder MapHomeiApi(this RouteGroupBuilder group)
    {
        group.MapHomeiHealth();
        return group;
    }
}
