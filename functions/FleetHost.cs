using Fleet.Functions.Homei;
using Fleet.Functions.KubeEdge;
using Fleet.Functions.Kubilitics;
using Fleet.Functions.Pioneer;
using Fleet.Functions.Platform;
using Fleet.Functions.Platform.Configuration;
using Fleet.Functions.Platform.Contract;
using Fleet.Functions.Platform.Http;
using Fleet.Functions.Snap;

namespace Fleet.Functions;

/// <summary>
/// Composition of the host: the platform, then each family's services and routes. Tests build the
/// same host in-process through these two calls.
/// </summary>
public static class FleetHost
{
    public static WebApplicationBuilder CreateBuilder(string[] args, Action<WebApplicationBuilder>? configure = null, string? contentRoot = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = contentRoot ?? Directory.GetCurrentDirectory() });
        builder.AddFleetHostConfiguration(args);
        builder.AddFleetPlatform();
        builder.Services.AddKubeEdge(builder.Configuration);
        builder.Services.AddKubilitics(builder.Configuration);
        builder.Services.AddSnap(builder.Configuration);
        builder.Services.AddHomei(builder.Configuration);
        builder.Services.AddPioneer(builder.Configuration);
        configure?.Invoke(builder);
        return builder;
    }

    /// <summary>
    /// What the routes of a family that works on peers (clusters, Docker, RAUC, the broker) can answer besides the
    /// statuses their shape implies: a named thing missing (404), a conflict (409), the peer failing, down or slow
    /// (502, 503, 504). Documented on each of their operations; see README "API documents".
    /// </summary>
    private static readonly int[] PeerErrors = [404, 409, 502, 503, 504];

    public static WebApplication Build(WebApplicationBuilder builder, Action<WebApplication>? mapExtra = null)
    {
        var app = builder.Build();
        app.UseFleetPlatform();
        app.MapFleetPlatform();
        var prefix = app.Services.GetRequiredService<HttpSettings>().RoutePrefix;
        app.MapGroup(FleetFamily.KubeEdge.BaseRoute(prefix)).WithTags("kubeedge").WithInputRules().WithFamilyErrors(PeerErrors).MapKubeEdgeApi();
        app.MapGroup(FleetFamily.Kubilitics.BaseRoute(prefix)).WithTags("kubilitics").WithInputRules().WithFamilyErrors(PeerErrors).MapKubiliticsApi();
        app.MapGroup(FleetFamily.Snap.BaseRoute(prefix)).WithTags("snap").WithInputRules().WithFamilyErrors(PeerErrors).MapSnapApi();
        app.MapGroup(FleetFamily.Homei.BaseRoute(prefix)).WithTags("homei").WithInputRules().WithFamilyErrors(PeerErrors).MapHomeiApi();
        app.UseHomeiDocs(prefix);
        app.MapGroup(FleetFamily.Pioneer.BaseRoute(prefix)).WithTags("pioneer").WithInputRules().MapPioneerApi();
        mapExtra?.Invoke(app);
        return app;
    }
}
