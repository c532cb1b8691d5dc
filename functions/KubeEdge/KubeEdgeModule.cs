using Microsoft.DurableTask.Worker;
using Fleet.Core.Platform.Timers;
using Fleet.Core.KubeEdge;
using Fleet.Core.Platform.Events;
using Fleet.Core.Platform.Storage;
using Fleet.Orchestrations.KubeEdge;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Fleet.Functions.KubeEdge;

/// <summary>KubeEdge CloudCore under <c>/api/kubeedge</c> (seeds/kubeedge-cloudcore-api.md).</summary>
public static class KubeEdgeModule
{
    public static IServiceCollection AddKubeEdge(this IServiceCollection services, IConfiguration configuration)
    {
        services.Configure<KubeEdgeOptions>(configuration.GetSection("KubeEdge"));
        services.AddSingleton<KubeEdgeScope>();
        services.AddSingleton<KubeEdgeConfigStore>();
        services.AddSingleton<CloudCoreDeployer>();
        services.AddSingleton<CertificateAuthority>();
        services.AddSingleton<JoinTokenService>();
        services.AddSingleton<DeviceService>();
        services.AddSingleton<KubeEdgeStats>();
        services.AddSingleton<CommandService>();
        services.AddSingleton<ConnectionTester>();
        services.AddSingleton<BackupService>();
        services.AddSingleton<KubeEdgeSweeps>();
        services.AddTimerFunction<KubeEdgeTokenExpiryTimer>();
        services.AddTimerFunction<KubeEdgeNodeReadinessTimer>();
        services.AddTimerFunction<KubeEdgeSilentDeviceTimer>();
        services.AddSingleton<WebhookService>();
        services.AddSingleton<EdgeAppDeployer>();
        services.AddHttpClient(DeliverWebhookActivity.HttpClientName, c => c.Timeout = TimeSpan.FromSeconds(10));
        services.AddHostedService<KubeEdgeWebhookDispatcher>();
        services.AddSingleton<MqttListener>();
        services.AddHostedService(sp => sp.GetRequiredService<MqttListener>());
        foreach (var table in new[] { KubeEdgeConfigStore.Table, JoinTokenService.Table, DeviceService.Table, CommandService.Table, KubeEdgeStats.Table, WebhookService.Table })
            services.AddFleetTable(table);
        services.AddDurableTaskWorker(b => b.AddTasks(r => r
            .AddOrchestrator<BatchJoinOrchestrator>().AddActivity<JoinDevicesActivity>()
            .AddOrchestrator<DeviceCommandOrchestrator>().AddActivity<PublishCommandActivity>().AddActivity<CompleteCommandActivity>()
            .AddOrchestrator<BackupOrchestrator>().AddOrchestrator<RestoreOrchestrator>()
            .AddActivity<ExportSectionActivity>().AddActivity<WriteManifestActivity>().AddActivity<RestoreSectionActivity>()
            .AddOrchestrator<WebhookDeliveryOrchestrator>().AddActivity<DeliverWebhookActivity>()
            .AddOrchestrator<AppRolloutOrchestrator>().AddActivity<ReadRolloutActivity>()));
        return services;
    }

    public static RouteGroupBuilder MapKubeEdgeApi(this RouteGroupBuilder group)
    {
        group.MapKubeEdgeHealth();
        group.MapKubeEdgeConfig();
        group.MapKubeEdgeTokens();
        group.MapKubeEdgeDevices();
        group.MapKubeEdgeCommands();
        group.MapKubeEdgeMonitor();
        group.MapKubeEdgeBackups();
        group.MapKubeEdgeConnection();
        group.MapKubeEdgeWebhooks();
        group.MapKubeEdgeApps();
        return group;
    }
}
