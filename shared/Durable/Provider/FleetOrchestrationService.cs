using System.Collections.Concurrent;
using System.Threading.Channels;
using DurableTask.Core;
using Fleet.Durable.Messaging;
using Fleet.Durable.Partitioning;
using Fleet.Durable.Tracking;
using Fleet.Durable.Tracking.AzureStorage;
using Fleet.Durable.Tracking.InMemory;
using Microsoft.Extensions.Logging;

namespace Fleet.Durable.Provider;

/// <summary>
/// Fleet's orchestration service provider for DurableTask.Core: the task hub layout of DurableTask.AzureStorage (Instances and
/// History tables with an ETag-guarded sentinel row, partitioned control queues, a work-item queue, blob leases, large payloads
/// in blobs) plus what makes it faster: activities of one episode share work-item queue messages and their results return
/// together, and messages this host can process now are handed over in process (still written to their queue, but claimed, so
/// that a crash loses nothing). One instance of this class serves the worker (<see cref="IOrchestrationService"/>) and the
/// client (<see cref="IOrchestrationServiceClient"/>, query and purge).
/// </summary>
public sealed partial class FleetOrchestrationService : IOrchestrationService, IOrchestrationServiceClient,
    DurableTask.Core.Query.IOrchestrationServiceQueryClient, IOrchestrationServicePurgeClient, IDisposable
{
    private const int ReceiveBatchSize = 32;
    private static readonly TimeSpan MinBackoff = TimeSpan.FromMilliseconds(10);
    private readonly IDurableStore _store;
    private readonly DurableTaskOptions _options;
    private readonly IPartitionManager _partitions;
    private readonly ILogger _log;
    private readonly ConcurrentDictionary<string, CachedHistory> _cache = new();
    private readonly ConcurrentDictionary<int, bool> _polling = new();
    private readonly Lazy<Task> _init;
    private CancellationTokenSource _stopping = new();
    private Task _loops = Task.CompletedTask;

    /// <summary>Creates the provider over Azure Storage (<see cref="DurableProvider.Fleet"/>) or process memory
    /// (<see cref="DurableProvider.InMemory"/>), as <paramref name="options"/> say.</summary>
    /// <param name="options">The task hub's settings.</param>
    /// <param name="loggerFactory">Logging.</param>
    public FleetOrchestrationService(DurableTaskOptions options, ILoggerFactory loggerFactory)
        : this(options, options.Provider == DurableProvider.InMemory
            ? new InMemoryDurableStore(options.PartitionCount)
            : new AzureStorageDurableStore(options, loggerFactory), loggerFactory)
    {
    }

    internal FleetOrchestrationService(DurableTaskOptions options, IDurableStore store, ILoggerFactory loggerFactory)
    {
        options.Validate();
        _options = options;
        _store = store;
        _log = loggerFactory.CreateLogger("Fleet.Durable.Provider");
        // Azure Storage hubs may be shared by several hosts: partitions are leased. In memory, this host owns them all.
        _partitions = options.Provider == DurableProvider.InMemory
            ? new AllPartitionsManager(options.PartitionCount)
            : new BlobLeasePartitionManager(options, EvictPartition, loggerFactory);
        _init = new Lazy<Task>(() => store.InitializeAsync(CancellationToken.None));
        _episodeSlots = new SemaphoreSlim(options.MaxConcurrentOrchestratorFunctions);
    }

    /// <summary>Gets the settings of this task hub.</summary>
    public DurableTaskOptions Options => _options;

    /// <summary>Gets the in-process notifications of instance changes that this provider commits.</summary>
    public InstanceNotifier Notifier { get; } = new();

    internal IDurableStore Store => _store;

    /// <summary>Gets the partition manager (blob leases on Azure Storage), for diagnostics and tests.</summary>
    internal IPartitionManager Partitions => _partitions;

    /// <inheritdoc />
    public int TaskOrchestrationDispatcherCount => 1;

    /// <inheritdoc />
    public int MaxConcurrentTaskOrchestrationWorkItems => _options.MaxConcurrentOrchestratorFunctions;

    /// <inheritdoc />
    public BehaviorOnContinueAsNew EventBehaviourForContinueAsNew => BehaviorOnContinueAsNew.Carryover;

    /// <inheritdoc />
    public int TaskActivityDispatcherCount => 1;

    /// <inheritdoc />
    public int MaxConcurrentTaskActivityWorkItems => _options.MaxConcurrentActivityFunctions;

    /// <inheritdoc />
    public bool IsMaxMessageCountExceeded(int currentMessageCount, OrchestrationRuntimeState runtimeState) => false;

    /// <inheritdoc />
    // The work item's messages come back after their own abandon delay; the dispatcher need not pause as well.
    public int GetDelayInSecondsAfterOnProcessException(Exception exception) => 0;

    // DurableTask.Core's dispatcher reads LockedUntilUtc of the null an idle fetch returns, and lands here with a
    // NullReferenceException; a delay would hold back the next work item by a second after every idle period.
    /// <inheritdoc />
    public int GetDelayInSecondsAfterOnFetchException(Exception exception) => 0;

    /// <inheritdoc />
    public Task CreateAsync() => CreateAsync(false);

    /// <inheritdoc />
    public async Task CreateAsync(bool recreateInstanceStore)
    {
        if (recreateInstanceStore) await _store.DeleteAllAsync(CancellationToken.None);
        await _store.InitializeAsync(CancellationToken.None);
    }

    /// <inheritdoc />
    public Task CreateIfNotExistsAsync() => EnsureInitializedAsync();

    /// <inheritdoc />
    public Task DeleteAsync() => DeleteAsync(true);

    /// <inheritdoc />
    public Task DeleteAsync(bool deleteInstanceStore) => _store.DeleteAllAsync(CancellationToken.None);

    internal Task EnsureInitializedAsync()
    {
        var t = _init.Value;
        return t.IsFaulted ? _store.InitializeAsync(CancellationToken.None) : t;
    }

    /// <inheritdoc />
    public async Task StartAsync()
    {
        await EnsureInitializedAsync();
        _stopping = new CancellationTokenSource();
        var ct = _stopping.Token;
        _running = true;
        _loops = Task.WhenAll(
            Task.Run(() => _partitions.RunAsync(PollControlQueueAsync, ct), CancellationToken.None),
            Task.Run(() => PollWorkItemsAsync(ct), CancellationToken.None));
        _log.LogInformation("Durable provider started on hub {Hub} ({Provider}, {Partitions} partitions).", _options.HubName, _options.Provider, _options.PartitionCount);
    }

    /// <inheritdoc />
    public Task StopAsync() => StopAsync(false);

    /// <inheritdoc />
    public async Task StopAsync(bool isForced)
    {
        _running = false;
        _stopping.Cancel();
        try { await _loops; }
        catch (OperationCanceledException) { }
        catch (Exception ex) { _log.LogWarning(ex, "Durable polling stopped with an error."); }
        // Messages received but not yet started go back at once, so that the next host (or this one restarted) sees them now,
        // not after the visibility timeout.
        await ReturnUnstartedAsync();
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _stopping.Cancel();
        _stopping.Dispose();
    }

    private volatile bool _running;

    private async Task PollControlQueueAsync(int partition, CancellationToken ct)
    {
        _polling[partition] = true;
        try
        {
            var backoff = MinBackoff;
            while (!ct.IsCancellationRequested)
            {
                Task wake = _store.Wakeups.GetWaitTask(partition);
                IReadOnlyList<QueueItem> batch;
                try
                {
                    // Not canceled by losing the partition: a receive that completes must be processed, or its messages stay hidden.
                    batch = await _store.ReceiveAsync(partition, ReceiveBatchSize, _options.MessageVisibilityTimeout, _stopping.Token);
                }
                catch (Exception ex) when (!ct.IsCancellationRequested)
                {
                    _log.LogWarning(ex, "Receiving from control queue {Partition} failed.", partition);
                    await Delay(TimeSpan.FromSeconds(1), ct);
                    continue;
                }
                if (batch.Count == 0)
                {
                    await Task.WhenAny(wake, Delay(backoff, ct));
                    backoff = Next(backoff);
                    continue;
                }
                backoff = MinBackoff;
                foreach (var group in batch.GroupBy(i => i.InstanceId))
                {
                    await _episodeSlots.WaitAsync(_stopping.Token);
                    Enqueue(group.Key, group.ToList());
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
        finally
        {
            _polling.TryRemove(partition, out _);
        }
    }

    private TimeSpan Next(TimeSpan backoff)
    {
        var doubled = backoff * 2;
        return doubled > _options.MaxQueuePollingInterval ? _options.MaxQueuePollingInterval : doubled;
    }

    private static Task Delay(TimeSpan delay, CancellationToken ct) => Task.Delay(delay, ct).ContinueWith(_ => { }, TaskScheduler.Default);

    /// <summary>Sends control messages (all for one instance): claimed and handed to this host's own episode queue when it polls
    /// the instance's partition and has room, otherwise through the queue.</summary>
    internal async Task SendControlAsync(IReadOnlyList<QueuedMessage> messages, CancellationToken ct)
    {
        string instanceId = messages[0].InstanceId;
        int partition = StableHash.PartitionOf(instanceId, _store.PartitionCount);
        if (_running && _polling.ContainsKey(partition) && _episodeSlots.Wait(0))
        {
            QueueItem? claimed;
            try
            {
                claimed = await _store.SendAsync(messages, false, null, _options.MessageVisibilityTimeout, ct);
            }
            catch
            {
                _episodeSlots.Release();
                throw;
            }
            Enqueue(instanceId, [claimed!]);
            return;
        }
        await _store.SendAsync(messages, false, null, null, ct);
    }

    private async Task SafeAbandonAsync(QueueItem item, TimeSpan delay)
    {
        try { await _store.AbandonAsync(item, delay, CancellationToken.None); }
        catch (Exception ex) { _log.LogDebug(ex, "Abandoning a message of {InstanceId} failed; its visibility timeout brings it back.", item.InstanceId); }
    }

    private void EvictPartition(int partition)
    {
        foreach (var id in _cache.Keys)
            if (StableHash.PartitionOf(id, _options.PartitionCount) == partition) _cache.TryRemove(id, out _);
    }
}
