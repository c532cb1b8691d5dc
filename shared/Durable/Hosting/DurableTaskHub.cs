using DurableTask.AzureStorage;
using DurableTask.Core;
using DurableTask.Core.Query;
using Fleet.Durable.Provider;
using Microsoft.Extensions.Logging;

namespace Fleet.Durable.Hosting;

/// <summary>The task hub this process serves: the orchestration service provider chosen by <see cref="DurableTaskOptions.Provider"/>,
/// seen both as DurableTask.Core's worker-side service and as its client interfaces, with the in-process notifications that
/// wake client waits when this host commits an instance.</summary>
public sealed class DurableTaskHub : IDisposable
{
    private DurableTaskHub(DurableTaskOptions options, IOrchestrationService service, IOrchestrationServiceClient client,
        IOrchestrationServiceQueryClient query, IOrchestrationServicePurgeClient purge, InstanceNotifier notifier, FleetOrchestrationService? fleet,
        AzureStorageOrchestrationService? stock)
    {
        Options = options;
        Service = service;
        Client = client;
        Query = query;
        Purge = purge;
        Notifier = notifier;
        Fleet = fleet;
        Stock = stock;
    }

    /// <summary>Gets the task hub's settings.</summary>
    public DurableTaskOptions Options { get; }

    /// <summary>Gets the provider as DurableTask.Core's <see cref="TaskHubWorker"/> sees it.</summary>
    public IOrchestrationService Service { get; }

    /// <summary>Gets the provider's client interface.</summary>
    public IOrchestrationServiceClient Client { get; }

    /// <summary>Gets the provider's instance query interface.</summary>
    public IOrchestrationServiceQueryClient Query { get; }

    /// <summary>Gets the provider's purge interface.</summary>
    public IOrchestrationServicePurgeClient Purge { get; }

    /// <summary>Gets the notifications of instances committed by this process.</summary>
    public InstanceNotifier Notifier { get; }

    /// <summary>Gets Fleet's provider, or null when the stock provider serves the hub.</summary>
    public FleetOrchestrationService? Fleet { get; }

    /// <summary>Gets the stock DurableTask.AzureStorage provider, or null when Fleet's provider serves the hub.</summary>
    public AzureStorageOrchestrationService? Stock { get; }

    /// <summary>Creates the provider <paramref name="options"/> name.</summary>
    /// <param name="options">The task hub's settings.</param>
    /// <param name="loggerFactory">Logging.</param>
    public static DurableTaskHub Create(DurableTaskOptions options, ILoggerFactory loggerFactory)
    {
        options.Validate();
        if (options.Provider != DurableProvider.AzureStorage)
        {
            return ForFleet(new FleetOrchestrationService(options, loggerFactory));
        }
        var stock = new AzureStorageOrchestrationService(new AzureStorageOrchestrationServiceSettings
        {
            TaskHubName = options.HubName,
            // Its default is the machine name: two hosts on one machine would each take every partition as its own.
            WorkerId = $"{Environment.MachineName}-{Environment.ProcessId}-{Guid.NewGuid():N}",
            StorageAccountClientProvider = new StorageAccountClientProvider(options.StorageConnectionString),
            PartitionCount = options.PartitionCount,
            MaxQueuePollingInterval = options.MaxQueuePollingInterval,
            MaxConcurrentTaskActivityWorkItems = options.MaxConcurrentActivityFunctions,
            MaxConcurrentTaskOrchestrationWorkItems = options.MaxConcurrentOrchestratorFunctions,
            ControlQueueVisibilityTimeout = options.MessageVisibilityTimeout,
            WorkItemQueueVisibilityTimeout = options.MessageVisibilityTimeout,
            LeaseInterval = options.PartitionLeaseDuration,
            LeaseRenewInterval = options.PartitionLeaseRenewInterval,
            LeaseAcquireInterval = options.PartitionLeaseRenewInterval,
            // Several hosts of one app share the hub; the app lease would let only one of them work at a time.
            UseAppLease = false,
            // A start under the id of an active instance is refused, as on Fleet's provider.
            ThrowExceptionOnInvalidDedupeStatus = true,
            LoggerFactory = loggerFactory,
        });
        var notifier = new InstanceNotifier();
        var notifying = new NotifyingOrchestrationService(stock, notifier);
        return new DurableTaskHub(options, notifying, stock, stock, stock, notifier, null, stock);
    }

    /// <summary>A hub served by the given Fleet provider (tests wrap its store).</summary>
    internal static DurableTaskHub ForFleet(FleetOrchestrationService fleet)
        => new(fleet.Options, fleet, fleet, fleet, fleet, fleet.Notifier, fleet, null);

    /// <inheritdoc />
    public void Dispose()
    {
        Fleet?.Dispose();
        Stock?.Dispose();
    }
}
