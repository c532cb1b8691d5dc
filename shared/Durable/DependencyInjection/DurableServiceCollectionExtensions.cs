using System.Text.Json;
using Fleet.Durable;
using Fleet.Durable.Client;
using Fleet.Durable.Hosting;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Converters;
using Microsoft.DurableTask.Worker;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the durable layer: Microsoft.DurableTask's worker and client on DurableTask.Core, over the provider the
/// settings choose.</summary>
public static class DurableServiceCollectionExtensions
{
    /// <summary>Adds the task hub (options from <c>extensions:durableTask</c> then <c>Durable</c>), Microsoft.DurableTask's worker
    /// with <see cref="FleetDurableTaskWorker"/> as its build target, and its <see cref="DurableTaskClient"/>. Call once; families
    /// register their tasks with <c>services.AddDurableTaskWorker(b => b.AddTasks(r => ...))</c>.</summary>
    /// <param name="services">The services.</param>
    /// <param name="configuration">The configuration (host.json values and app settings).</param>
    /// <exception cref="ArgumentException">A setting (such as the hub name or the provider) is invalid.</exception>
    public static IServiceCollection AddFleetDurableTask(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        // Fail at startup, not at first use, when settings are wrong.
        var probe = new DurableTaskOptions();
        Bind(configuration, probe);
        probe.Validate();
        if (services.Any(d => d.ServiceType == typeof(DurableTaskHub))) return services;

        services.AddOptions<DurableTaskOptions>().Configure(o => Bind(configuration, o));
        services.AddLogging();
        // Inputs, outputs, events and custom status as JSON with web defaults (camelCase), as Fleet's APIs speak it.
        services.TryAddSingleton<DataConverter>(new JsonDataConverter(new JsonSerializerOptions(JsonSerializerDefaults.Web)));
        services.AddSingleton(sp => DurableTaskHub.Create(sp.GetRequiredService<IOptions<DurableTaskOptions>>().Value, sp.GetRequiredService<ILoggerFactory>()));
        services.AddDurableTaskWorker(b => b.UseBuildTarget<FleetDurableTaskWorker>());
        // Long timers are chained below the provider's limit (queue visibility is at most 7 days).
        services.AddOptions<DurableTaskWorkerOptions>(Options.Options.DefaultName)
            .Configure<IOptions<DurableTaskOptions>>((w, o) => w.MaximumTimerInterval = o.Value.MaximumTimerInterval);
        services.AddOptions<DurableTaskClientOptions>(Options.Options.DefaultName)
            .Configure<DataConverter>((o, converter) => o.DataConverter = converter);
        services.AddDurableTaskClient(b => b.UseBuildTarget<FleetDurableTaskClient>().RegisterDirectly());
        return services;
    }

    internal static void Bind(IConfiguration configuration, DurableTaskOptions options)
    {
        var host = configuration.GetSection("extensions:durableTask");
        host.Bind(options);
        host.GetSection("storageProvider").Bind(options);
        SetProvider(host["storageProvider:type"], options);
        configuration.GetSection("Durable").Bind(options);
        options.StorageConnectionString = configuration["AzureWebJobsStorage"] is { Length: > 0 } cs ? cs : "UseDevelopmentStorage=true";
    }

    private static void SetProvider(string? type, DurableTaskOptions options)
    {
        if (string.IsNullOrEmpty(type)) return;
        options.Provider = Enum.TryParse<DurableProvider>(type, ignoreCase: true, out var p)
            ? p
            : throw new ArgumentException($"extensions.durableTask.storageProvider.type '{type}' is not one of Fleet, AzureStorage, InMemory.");
    }
}
