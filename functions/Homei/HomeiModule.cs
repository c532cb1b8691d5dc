using Microsoft.DurableTask.Worker;
using Fleet.Core.Homei;
using Fleet.Core.Platform.Storage;
using Fleet.Orchestrations.Homei;

namespace Fleet.Functions.Homei;

/// <summary>Homei under <c>/api/homei</c> (seeds/homei-api.md).</summary>
public static class HomeiModule
{
    public static IServiceCollection AddHomei(this IServiceCollection services, IConfiguration configuration)
    {
        services.Configure<HomeiOptions>(configuration.GetSection("Homei"));
        services.AddFleetTable(ServiceStore.TableName);
        services.AddFleetTable(HomeiConfigStore.TableName);
        services.AddSingleton<ServiceStore>();
        services.AddSingleton<HomeiConfigStore>();
        services.AddSingleton<ContainerRuntime>();
        services.AddSingleton<HomeiServiceManager>();
        services.AddSingleton<HomeiContainers>();
        services.AddSingleton<ReconciliationService>();
        services.AddHostedService(sp => sp.GetRequiredService<ReconciliationService>());
        services.AddSingleton<RaucClient>();
        services.AddSingleton<HomeiBackups>();
        services.AddHostedService<DockerEventPump>();
        services.AddDurableTaskWorker(b => b.AddTasks(r => r
            .AddOrchestrator<RaucInstallOrchestrator>().AddActivity<RaucInstallActivity>().AddActivity<RaucInstalledSlotActivity>()
            .AddOrchestrator<HomeiBackupCreateOrchestrator>().AddActivity<HomeiBackupCreateActivity>()
            .AddOrchestrator<HomeiBackupRestoreOrchestrator>().AddActivity<HomeiBackupPlanActivity>().AddActivity<HomeiBackupStopActivity>()
            .AddActivity<HomeiBackupRestoreVolumesActivity>().AddActivity<HomeiBackupRestoreDefinitionsActivity>().AddActivity<HomeiBackupStartActivity>()));
        return services;
    }

    /// <summary>The seed's interactive docs: Swagger UI at <c>/docs</c> and ReDoc at <c>/redoc</c>, both of Homei's document.</summary>
    public static void UseHomeiDocs(this WebApplication app, string routePrefix)
    {
        var document = $"/{routePrefix}/homei/openapi.json";
        Fleet.Functions.Platform.Docs.ApiDocuments.UseSwaggerUi(app, $"{routePrefix}/homei/docs", document, "homei");
        var redoc = $"{routePrefix}/homei/redoc";
        Fleet.Functions.Platform.Docs.ApiDocuments.UseUnder(app, redoc, b => b.UseReDoc(o =>
        {
            o.RoutePrefix = redoc;
            o.SpecUrl = document;
            o.DocumentTitle = "Homei API";
        }));
    }

    public static RouteGroupBuilder MapHomeiApi(this RouteGroupBuilder group)
    {
        group.MapHomeiHealth();
        group.MapHomeiServices();
        group.MapHomeiContainers();
        group.MapHomeiSystem();
        group.MapHomeiUpdates();
        group.MapHomeiBackups();
        group.MapHomeiStreams();
        return group;
    }
}
