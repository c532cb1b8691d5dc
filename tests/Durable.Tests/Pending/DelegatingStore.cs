using Fleet.Durable.Client;
using Fleet.Durable.Runtime;
using Fleet.Durable.Storage;
using Fleet.Durable.Storage.AzureStorage;
using Fleet.Durable.Storage.InMemory;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Fleet.Durable.Tests;

/// <summary>Passes every call to a real store; tests override the calls they watch or break.</summary>
internal class DelegatingStore(IDurableStore inner) : IDurableStore
{
    /// <summary>Starts a host with the test tasks whose hub runs over <paramref name="wrap"/>(the real store of the configured backend).</summary>
    public static async Task<(IHost Host, TStore Store, DurableTaskClient Client)> StartHostAsync<TStore>(Dictionary<string, string?> settings,
        Func<IDurableStore, TStore> wrap) where TStore : DelegatingStore
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddFleetDurableTask(new ConfigurationBuilder().AddInMemoryCollection(settings).Build(), TestTasks.Register);
        TStore? store = null;
        // The last registration wins: the hub runs over the wrapping store.
        builder.Services.AddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IOptions<DurableTaskOptions>>().Value;
            IDurableStore real = options.Backend == DurableBackend.AzureStorage
                ? new AzureStorageDurableStore(options, sp.GetRequiredService<ILoggerFactory>())
                : new InMemoryDurableStore(options.PartitionCount);
            store = wrap(real);
            return new TaskHub(store, options);
        });
        var host = builder.Build();
        await host.StartAsync();
        return (host, store!, host.Services.GetRequiredService<DurableTaskClient>());
    }

    protected IDurableStore Inner { get; } = inner;

    public int PartitionCount => Inner.PartitionCount;
    public QueueWakeups Wakeups => Inner.Wakeups;
    public virtual Task InitializeAsync(CancellationToken ct) => Inner.InitializeAsync(ct);

    public virtual Task<QueueItem?> SendAsync(IReadOnlyList<TaskMessage> messages, bool toWorkItems, TimeSpan? delay, TimeSpan? claimFor, CancellationToken ct)
        => Inner.SendAsync(messages, toWorkItems, delay, claimFor, ct);

    public virtual Task<IReadOnlyList<QueueItem>> ReceiveAsync(int partition, int max, TimeSpan visibility, CancellationToken ct)
        => Inner.ReceiveAsync(partition, max, visibility, ct);

    public virtual Task DeleteAsync(QueueItem item, CancellationToken ct) => Inner.DeleteAsync(item, ct);
    public virtual Task AbandonAsync(QueueItem item, TimeSpan delay, CancellationToken ct) => Inner.AbandonAsync(item, delay, ct);
    public virtual Task<HistorySnapshot> LoadHistoryAsync(string instanceId, CancellationToken ct) => Inner.LoadHistoryAsync(instanceId, ct);

    public virtual Task<string?> CommitHistoryAsync(string instanceId, string executionId, bool reset, int existingCount,
        IReadOnlyList<HistoryEvent> newEvents, string? etag, CancellationToken ct)
        => Inner.CommitHistoryAsync(instanceId, executionId, reset, existingCount, newEvents, etag, ct);

    public virtual Task<InstanceRecord?> GetInstanceAsync(string instanceId, bool withPayloads, CancellationToken ct) => Inner.GetInstanceAsync(instanceId, withPayloads, ct);
    public virtual Task UpsertInstanceAsync(InstanceRecord record, CancellationToken ct) => Inner.UpsertInstanceAsync(record, ct);
    public virtual Task CreateInstanceAsync(InstanceRecord record, CancellationToken ct) => Inner.CreateInstanceAsync(record, ct);

    public virtual Task<(IReadOnlyList<InstanceRecord> Page, string? ContinuationToken)> QueryInstancesAsync(InstanceFilter filter, int pageSize,
        string? continuationToken, bool withPayloads, CancellationToken ct)
        => Inner.QueryInstancesAsync(filter, pageSize, continuationToken, withPayloads, ct);

    public virtual Task WritePoisonAsync(QueueItem item, string reason, CancellationToken ct) => Inner.WritePoisonAsync(item, reason, ct);
    public virtual Task<bool> DeleteInstanceAsync(string instanceId, CancellationToken ct) => Inner.DeleteInstanceAsync(instanceId, ct);
}
