using Fleet.Core.Platform.Docker;
using Fleet.Core.Platform.Events;
using Fleet.Core.Platform.Health;
using Fleet.Core.Platform.Mqtt;
using Fleet.Core.Platform.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Fleet.Core.Platform;

public static class PlatformServiceCollectionExtensions
{
    /// <summary>Storage, MQTT (embedded broker when none is configured), Docker and the health probes.</summary>
    public static IServiceCollection AddFleetCorePlatform(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddFleetStorage(configuration);
        services.Configure<MqttOptions>(configuration.GetSection("Mqtt"));
        services.Configure<DockerOptions>(configuration.GetSection("Docker"));
        services.AddHostedService<EmbeddedMqttBroker>();
        services.AddSingleton<MqttConnection>();
        services.AddHostedService(sp => sp.GetRequiredService<MqttConnection>());
        services.AddHealthChecks()
            .AddCheck<StorageHealthCheck>("storage")
            .AddCheck<MqttHealthCheck>("mqtt")
            .AddCheck<DockerHealthCheck>("docker");
        services.AddSingleton<FleetHealth>();
        services.AddSingleton<IEventBus, InProcessEventBus>();
        // The durable engine, once for every family; families add their tasks with AddDurableTasks.
        services.AddFleetDurableTask(configuration);
        services.AddFleetTable(StorageHealthCheck.Table);
        return services;
    }
}
