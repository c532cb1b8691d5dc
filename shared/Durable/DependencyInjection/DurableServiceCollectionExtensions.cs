using Fleet.Durable;
using Fleet.Durable.Client;
using Fleet.Durable.Runtime;
using Fleet.Durable.Storage;
using Fleet.Durable.Storage.AzureStorage;
using Fleet.Durable.Storage.InMemory;
using Fleet.Durable.Worker;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the durable engine.</summary>
public static class DurableServiceCollectionExtensions
{
    /// <summary>Adds the durable engine: options from <c>extensions:durableTask</c> then <c>Durable</c>, the storage backend,
    /// a hosted worker and a <see cref="DurableTaskClient"/> singleton. Call once; families add their tasks with
    /// <see cref="AddDurableTasks"/>.</summary>
    /// <param name="services">The services.</param>
    /// <param name="configuration">The configuration (host.json values and app settings).</param>
    /// <param name="register">Registers orchestrators and activities.</param>
    /// <exception cref="ArgumentException">A setting (such as the hub name) is invalid.</exception>
    public static IServiceCollection AddFleetDurableTask(this IServiceCollection services, IConfiguration configuration,
        Action<DurableTaskRegistry>? register = null)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        // Fail at startup, not at first use, when settings are wrong.
        var probe = new DurableTaskOptions();
        Bind(configuration, probe);
        probe.Validate();

        if (register is not null) services.AddDurableTasks(register);
        if (services.Any(d => d.ServiceType == typeof(TaskHub))) return services;

        services.AddOptions<DurableTaskOptions>().Configure(o => Bind(configuration, o));
        services.AddLogging();
        services.TryAddSingleton(sp =>
        {
            var registry = new DurableTaskRegistry();
            foreach (var r in sp.GetServices<DurableTaskRegistration>()) r.Register(registry);
            return registry;
        });
        services.AddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IOptions<DurableTaskOptions>>().Value;
            options.Validate();
            IDurableStore store = options.Backend == DurableBackend.InMemory
                ? new InMemoryDurableStore(options.PartitionCount)
                : new AzureStorageDurableStore(options, sp.GetRequiredService<ILoggerFactory>());
            return new TaskHub(store, options);
        });
        services.AddSingleton<IPartitionManager>(sp =>
        {
            var hub = sp.GetRequiredService<TaskHub>();
            // Azure Storage hubs may be shared by several hosts: partitions are leased. In memory, this host owns them all.
            return hub.Options.Backend == DurableBackend.AzureStorage
                ? new BlobLeasePartitionManager(hub, sp.GetRequiredService<ILoggerFactory>())
                : new AllPartitionsManager(hub.Options.PartitionCount);
        });
        services.AddSingleton<OrchestrationDispatcher>();
        services.AddSingleton<ActivityDispatcher>();
        services.AddSingleton<DurableTaskClient>(sp => new StoreDurableTaskClient(sp.GetRequiredService<TaskHub>()));
        services.AddSingleton<IHostedService, DurableTaskWorkerService>();
        return services;
    }

    /// <summary>Adds orchestrators and activities; may be called any number of times, before or after <see cref="AddFleetDurableTask"/>.</summary>
    /// <param name="services">The services.</param>
    /// <param name="register">Registers orchestrators and activities.</param>
    public static IServiceCollection AddDurableTasks(this IServiceCollection services, Action<DurableTaskRegistry> register)
    {
        ArgumentNullException.ThrowIfNull(register);
        services.AddSingleton(new DurableTaskRegistration(register));
        return services;
    }

    private static void Bind(IConfiguration configuration, DurableTaskOptions options)
    {
        var host = configuration.GetSection("extensions:durableTask");
        host.Bind(options);
        host.GetSection("storageProvider").Bind(options);
        configuration.GetSection("Durable").Bind(options);
        options.StorageConnectionString = configuration["AzureWebJobsStorage"] is { Length: > 0 } cs ? cs : "UseDevelopmentStorage=true";
    }
}

/// <summary>One family's task registrations, collected from DI when the registry is built.</summary>
/// <param name="Register">The registration callback.</param>
internal sealed record DurableTaskRegistration(Action<DurableTaskRegistry> Register);
