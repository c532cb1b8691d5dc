using System.Diagnostics;
using Fleet.Core.Kubernetes;
using Fleet.Core.Platform;
using Fleet.Core.Platform.Json;
using Fleet.Functions.Platform.Correlation;
using Fleet.Functions.Platform.Docs;
using Fleet.Functions.Platform.Errors;
using Fleet.Functions.Platform.Health;
using Fleet.Functions.Platform.Http;
using Fleet.Functions.Platform.Metrics;
using Prometheus;

namespace Fleet.Functions.Platform;

/// <summary>What every family stands on: configuration, storage, errors, correlation, metrics, docs, health.</summary>
public static class PlatformModule
{
    public static void AddFleetPlatform(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        // Read settings when first needed, so that configuration added after this call still counts.
        services.AddSingleton(sp => HttpSettings.From(sp.GetRequiredService<IConfiguration>()));
        services.AddFleetCorePlatform(builder.Configuration);
        services.AddFleetClusters(builder.Configuration);
        services.AddFleetDurableTask(builder.Configuration);
        services.ConfigureHttpJsonOptions(o => FleetJson.Configure(o.SerializerOptions));
        // Binding failures throw, so the error middleware can answer them in the family's envelope.
        services.Configure<Microsoft.AspNetCore.Routing.RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        services.AddFleetApiDocuments();
        services.AddProblemDetails();
        builder.WebHost.ConfigureKestrel((ctx, k) => k.Limits.MaxRequestBodySize = HttpSettings.From(ctx.Configuration).MaxRequestBodySize);
        builder.Logging.AddSimpleConsole(o =>
        {
            o.IncludeScopes = true;
            o.SingleLine = true;
            o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ ";
            o.UseUtcTimestamp = true;
        });
        // Make hosting create a W3C Activity per request, so X-Trace-ID is the real trace id.
        ActivitySource.AddActivityListener(new ActivityListener
        {
            ShouldListenTo = s => s.Name == "Microsoft.AspNetCore",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllData,
        });
    }

    /// <summary>Middleware in order: correlation, metrics, errors, body limits; then routing.</summary>
    public static void UseFleetPlatform(this WebApplication app)
    {
        app.UseMiddleware<RequestCorrelation>();
        app.UseMiddleware<HttpMetricsMiddleware>();
        app.UseMiddleware<ErrorHandlingMiddleware>();
        app.UseMiddleware<RequestBodyMiddleware>();
        app.UseWebSockets();
        app.UseRouting();
    }

    /// <summary>The platform's own routes: health, API documents, Prometheus metrics.</summary>
    public static RouteGroupBuilder MapFleetPlatform(this WebApplication app)
    {
        var settings = app.Services.GetRequiredService<HttpSettings>();
        var api = app.MapGroup("/" + settings.RoutePrefix);
        api.MapPlatformHealth();
        app.MapFleetApiDocuments(settings);
        // The Durable Functions management API, where 202 answers' check-status links point.
        Auth.EndpointAccessExtensions.ViewerReadsOperatorWrites(Fleet.Durable.Http.DurableHttpApi.MapDurableTaskHttpApi(app));
        app.MapMetrics("/metrics").WithMetadata(new Auth.AnonymousAccess()).ExcludeFromDescription();
        return api;
    }
}
