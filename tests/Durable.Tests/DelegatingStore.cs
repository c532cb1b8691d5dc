using DurableTask.Core;
using Fleet.Durable.Hosting;
using Fleet.Durable.Messaging;
using Fleet.Durable.Provider;
using Fleet.Durable.Tracking;
using Fleet.Durable.Tracking.AzureStorage;
using Fleet.Durable.Tracking.InMemory;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Worker;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Fleet.Durable.Tests;

/// <summary>Passes every call to a real store; tests override the calls they watch or break.</summary>
internal class DelegatingStore(IDurableStore inner) : IDurableStore
{
    /// <summary>Starts a host with the test tasks whose hub runs Fleet's provider over <paramref name="wrap"/>(the real store of the
    /// configured provider).</summary>
    public static async Task<(IHost Host, TStore Store, DurableTaskClient Client)> StartHostAsync<TStore>(Dictionary<string, string?> settings,
        Func<IDurableStore, TStore> wrap) where TStore : DelegatingStore
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddFleetDurableTask(new ConfigurationBuilder().AddInMemoryCollection(settings).Build());
        builder.Services.AddDurableTaskWorker(b => b.AddTasks(TestTasks.Register));
        TStore? store = null;
        // The last registration wins: the hub runs over the wrapping store.
        builder.Services.AddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IOptions<DurableTaskOptions>>().Value;
            var logs = sp.GetRequiredService<ILoggerFactory>();
            IDurableStore real = options.Provider == DurableProvider.InMemory
                ? new InMemoryDurableStore(options.PartitionCount)
                : new AzureStorageDurableStore(options, logs);
            store = wrap(real);
            return DurableTaskHub.ForFleet(new FleetOrchestrationService(options, store, logs));
        });
        var host = builder.Build();
        await host.StartAsync();
        return (host, store!, host.Services.GetRequiredService<DurableTaskClient>());
    }

    protected IDurableStore Inner { get; } = inner;

    public int PartitionCount => Inner.PartitionCount;
    public QueueWakeups Wakeups => Inner.Wakeups;
    public virtual Task InitializeAsync(CancellationToken ct) => Inner.InitializeAsync(ct);
    public virtual Task DeleteAllAsync(CancellationToken ct) => Inner.DeleteAllAsync(ct);

    public virtual Task<QueueItem?> SendAsync(IReadOnlyList<QueuedMessage> messages, bool toWorkItems, TimeSpan? delay, TimeSpan? claimFor, CancellationToken ct)
        => Inner.SendAsync(messages, toWorkItems, delay, claimFor, ct);

    public virtual Task<IReadOnlyList<QueueItem>> ReceiveAsync(int partition, int max, TimeSpan visibility, CancellationToken ct)
        => Inner.ReceiveAsync(partition, max, visibility, ct);

    public virtual Task DeleteAsync(QueueItem item, CancellationToken ct) => Inner.DeleteAsync(item, ct);
    public virtual Task AbandonAsync(QueueItem item, TimeSpan delay, CancellationToken ct) => Inner.AbandonAsync(item, delay, ct);
    public virtual Task<HistorySnapshot> LoadHistoryAsync(string instanceId, CancellationToken ct) => Inner.LoadHistoryAsync(instanceId, ct);

    public virtual Task<string?> CommitHistoryAsync(string instanceId, string executionId, bool reset, int existingCount,
        IReadOnlyList<HistoryRow> newEvents, string? etag, CancellationToken ct)
        => Inner.CommitHistoryAsync(instanceId, executionId, reset, existingCount, newEvents, etag, ct);

    public virtual Task<InstanceRecord?> GetInstanceAsync(string instanceId, bool withPayloads, CancellationToken ct) => Inner.GetInstanceAsync(instanceId, withPayloads, ct);
    public virtual Task UpsertInstanceAsync(InstanceRecord record, CancellationToken ct) => Inner.UpsertInstanceAsync(record, ct);
    public virtual Task<bool> CreateInstanceAsync(InstanceRecord record, IReadOnlyCollection<OrchestrationStatus> dedupeStatuses, CancellationToken ct)
        => Inner.CreateInstanceAsync(record, dedupeStatuses, ct);

    public virtual Task<(IReadOnlyList<InstanceRecord> Page, string? ContinuationToken)> QueryInstancesAsync(InstanceFilter filter, int pageSize,
        string? continuationToken, bool withPayloads, CancellationToken ct)
        => Inner.QueryInstancesAsync(filter, pageSize, continuationToken, withPayloads, ct);

    public virtual Task WritePoisonAsync(QueueItem item, string reason, CancellationToken ct) => Inner.WritePoisonAsync(item, reason, ct);
    public virtual Task<bool> DeleteInstanceAsync(string instanceId, CancellationToken ct) => Inner.DeleteInstanceAsync(instanceId, ct);
}
