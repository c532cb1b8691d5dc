using Microsoft.DurableTask.Worker;
using System.Diagnostics;
using Fleet.Core.Kubernetes;
using Fleet.Functions.Platform.Auth;
using Fleet.Durable.Http;
using Fleet.Core.Platform;
using Fleet.Core.Platform.Json;
using Fleet.Core.Platform.Timers;
using Fleet.Core.Platform.Timers.Sweeps;
using Fleet.Functions.Platform.Contract;
using Fleet.Functions.Platform.Correlation;
using Fleet.Functions.Platform.Docs;
using Fleet.Functions.Platform.Errors;
using Fleet.Functions.Platform.Health;
using Fleet.Functions.Platform.Http;
using Fleet.Functions.Platform.Mesh;
using Fleet.Functions.Platform.Metrics;
using Fleet.Functions.Timers;
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
        // Stopping releases leases (timers, singletons, event-id slot) and heartbeats: all at once, so that another host
        // takes a timer over at its next tick instead of after every other service has stopped one by one.
        services.Configure<HostOptions>(o => o.ServicesStopConcurrently = true);
        services.AddFleetClusters(builder.Configuration);
        // The durable engine (timer fan-out, long work) and the timer runtime with the platform's own sweeps.
        services.AddFleetDurableTask(builder.Configuration);
        services.AddPlatformSweeps();
        services.AddTimerFunction<ClusterHealthSweep>();
        services.AddDurableTaskWorker(b => b.AddTasks(r => r.AddOrchestrator<Fleet.Orchestrations.Kubernetes.ClusterHealthOrchestrator>()
            .AddActivity<Fleet.Orchestrations.Kubernetes.ListClusterIdsActivity>().AddActivity<Fleet.Orchestrations.Kubernetes.RefreshClusterActivity>()));
        services.ConfigureHttpJsonOptions(o => FleetJson.Configure(o.SerializerOptions));
        // Binding failures throw, so the error middleware can answer them in the family's envelope.
        services.Configure<Microsoft.AspNetCore.Routing.RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        services.AddFleetApiDocuments();
        services.AddSingleton(new DocumentedRoute("GET", "/metrics", "platformGetMetrics", "Prometheus metrics of the host",
            "platform", Anonymous: true, ContentType: "text/plain"));
        builder.AddFleetIdentity();
        services.AddProblemDetails();
        builder.WebHost.ConfigureKestrel((ctx, k) => k.Limits.MaxRequestBodySize = HttpSettings.From(ctx.Configuration).MaxRequestBodySize);
        // A down component is logged once per change of state by FleetHealth, not on every probe with a stack trace.
        builder.Logging.AddFilter(Fleet.Core.Platform.Health.FleetHealth.FrameworkLogCategory, LogLevel.None);
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

    /// <summary>Middleware in order: correlation, metrics, errors, body limits; then routing and identity.</summary>
    public static void UseFleetPlatform(this WebApplication app)
    {
        app.UseMiddleware<RequestCorrelation>();
        app.UseMiddleware<HttpMetricsMiddleware>();
        app.UseMiddleware<ErrorHandlingMiddleware>();
        app.UseMiddleware<RequestBodyMiddleware>();
        // WebSocket streams ping every 15 s and drop a client that has not answered within 30 s.
        app.UseWebSockets(new WebSocketOptions { KeepAliveInterval = TimeSpan.FromSeconds(15), KeepAliveTimeout = TimeSpan.FromSeconds(30) });
        app.UseRouting();
        app.UseFleetIdentity();
    }

    /// <summary>The platform's own routes: health, timers, hosts, API documents, Prometheus metrics.</summary>
    public static RouteGroupBuilder MapFleetPlatform(this WebApplication app)
    {
        var settings = app.Services.GetRequiredService<HttpSettings>();
        var api = app.MapGroup("/" + settings.RoutePrefix).WithInputRules();
        api.MapPlatformHealth();
        api.MapPlatformAuth();
        api.MapTimerFunctions();
        api.MapHostFunctions();
        app.MapFleetApiDocuments(settings);
        // The Durable Functions management API, where the 202 check-status links of long routes point.
        // Operators start long work, so they may poll, signal and stop it through the check-status links.
        app.MapDurableTaskHttpApi().WithDurableApiDocs(FleetRole.Operator);
        app.MapMetrics("/metrics").WithMetadata(new Auth.AnonymousAccess()).ExcludeFromDescription();
        return api;
    }
}
