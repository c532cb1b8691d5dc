using Fleet.Core.Platform.Docker;
using Fleet.Core.Platform.Events;
using Fleet.Core.Platform.Health;
using Fleet.Core.Platform.Mesh;
using Fleet.Core.Platform.Mqtt;
using Fleet.Core.Platform.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Fleet.Core.Platform;

public static class PlatformServiceCollectionExtensions
{
    public static readonly TimeSpan HealthProbeTimeout = TimeSpan.FromSeconds(10);

    /// <summary>Storage, MQTT (embedded broker when none is configured), Docker and the health probes.</summary>
    public static IServiceCollection AddFleetCorePlatform(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddFleetStorage(configuration);
        services.Configure<MqttOptions>(configuration.GetSection("Mqtt"));
        services.Configure<DockerOptions>(configuration.GetSection("Docker"));
        services.AddHostedService<EmbeddedMqttBroker>();
        services.AddSingleton<MqttConnection>();
        services.AddHostedService(sp => sp.GetRequiredService<MqttConnection>());
        // Each probe is bounded, so a peer that does not answer cannot hold the health route for the SDKs' retry budgets.
        services.AddHealthChecks()
            .AddCheck<StorageHealthCheck>("storage", timeout: HealthProbeTimeout)
            .AddCheck<MqttHealthCheck>("mqtt", timeout: HealthProbeTimeout)
            .AddCheck<DockerHealthCheck>("docker", timeout: HealthProbeTimeout);
        services.AddSingleton<FleetHealth>();
        services.TryAddSingleton(TimeProvider.System);
        services.Configure<MeshOptions>(configuration.GetSection("Mesh"));
        services.AddSingleton<HostIdentity>();
        services.AddSingleton<MeshTopics>();
        services.AddSingleton<LeaseBook>();
        services.AddSingleton<EventIdGenerator>();
        services.AddHostedService<HostSlotClaim>();
        services.AddSingleton<InProcessEventBus>();
        // Several hosts on one broker share their events (MeshEventBus); a host alone keeps them in process.
        services.AddSingleton<MeshEventBus>();
        services.AddHostedService(sp => sp.GetRequiredService<MeshEventBus>());
        services.AddSingleton<IEventBus>(sp => sp.GetRequiredService<MeshTopics>().Enabled
            ? sp.GetRequiredService<MeshEventBus>() : sp.GetRequiredService<InProcessEventBus>());
        services.AddSingleton<SharedRateWindows>();
        services.AddSingleton<HostRegistry>();
        services.AddHostedService(sp => sp.GetRequiredService<HostRegistry>());
        services.AddSingleton<CacheInvalidation>();
        services.AddHostedService(sp => sp.GetRequiredService<CacheInvalidation>());
        // The durable engine, once for every family; families add their tasks with AddDurableTaskWorker(b => b.AddTasks(...)).
        services.AddFleetDurableTask(configuration);
        services.AddFleetTable(StorageHealthCheck.Table);
        return services;
    }
}
