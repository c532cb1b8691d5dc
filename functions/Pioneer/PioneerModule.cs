using Fleet.Core.Pioneer;
using Fleet.Core.Platform.Storage;
using Fleet.Core.Platform.Timers;
using Fleet.Orchestrations.Pioneer;
using Microsoft.DurableTask.Worker;

namespace Fleet.Functions.Pioneer;

/// <summary>CloudPioneer under <c>/api/pioneer</c> (seeds/cloudpioneer-api.md).</summary>
public static class PioneerModule
{
    public static IServiceCollection AddPioneer(this IServiceCollection services, IConfiguration configuration)
    {
        services.Configure<PioneerOptions>(configuration.GetSection("Pioneer"));
        services.AddSingleton<HomeiResourceSource>();
        services.AddSingleton<KubeEdgeResourceSource>();
        services.AddSingleton<KubernetesResourceSource>();
        services.AddSingleton<InventoryProjection>();
        services.AddSingleton<InventoryPages>();
        services.AddSingleton<ResourceInventory>();
        services.AddSingleton<MetricSeries>();
        services.AddSingleton<PioneerSampler>();
        services.AddSingleton<KafkaClients>();
        services.AddSingleton<KafkaMetrics>();
        services.AddSingleton<MetricUpdates>();
        services.AddSingleton<EventStreams>();
        services.AddFleetTable(EventStreams.Table);
        services.AddFleetTable(MetricSeries.Table);
        services.AddFleetTable(MetricSeries.HourlyTable);
        foreach (var table in InventoryProjection.Tables) services.AddFleetTable(table);
        services.AddTimerFunction<PioneerSampleTimer>();
        services.AddSingleton<MetricRetention>();
        services.AddTimerFunction<PioneerRetentionTimer>();
        services.AddDurableTaskWorker(b => b.AddTasks(r => r
            .AddOrchestrator<PioneerSampleOrchestrator>().AddActivity<SampleSourceActivity>()));
        return services;
    }

    public static RouteGroupBuilder MapPioneerApi(this RouteGroupBuilder group)
    {
        group.MapPioneerHealth();
        group.MapPioneerAuth();
        group.MapPioneerSystem();
        group.MapPioneerResources();
        group.MapPioneerPrometheus();
        group.MapPioneerKafka();
        group.MapPioneerStreams();
        return group;
    }
}
