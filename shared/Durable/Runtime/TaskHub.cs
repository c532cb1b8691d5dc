using System.Collections.Concurrent;
using Fleet.Durable.Storage;

namespace Fleet.Durable.Runtime;

/// <summary>One task hub in this process: its store (initialized once), the in-process notifications and the history cache
/// shared by the worker and the client.</summary>
internal sealed class TaskHub
{
    private readonly Lazy<Task> _init;

    public TaskHub(IDurableStore store, DurableTaskOptions options)
    {
        Store = store;
        Options = options;
        _init = new Lazy<Task>(() => store.InitializeAsync(CancellationToken.None));
    }

    public IDurableStore Store { get; }
    public DurableTaskOptions Options { get; }
    public InstanceNotifier Notifier { get; } = new();

    /// <summary>Histories kept between episodes (extended sessions); evicted on conflict and purge.</summary>
    public ConcurrentDictionary<string, InstanceState> Cache { get; } = new();

    /// <summary>This process's worker while it runs; null for a client-only process.</summary>
    public ILocalDispatch? Local { get; set; }

    /// <summary>Sends control messages (all for one instance): claimed and run here when this process polls the instance's
    /// partition and has a free episode slot, otherwise through the queue.</summary>
    public async Task SendControlAsync(IReadOnlyList<TaskMessage> messages, CancellationToken ct)
    {
        int partition = StableHash.PartitionOf(messages[0].InstanceId, Store.PartitionCount);
        if (Local is { } local && local.TryTakeEpisodeSlot(partition))
        {
            QueueItem? claimed;
            try
            {
                claimed = await Store.SendAsync(messages, false, null, Options.MessageVisibilityTimeout, ct);
            }
            catch
            {
                local.ReleaseEpisodeSlot();
                throw;
            }
            local.RunEpisode(claimed!);
            return;
        }
        await Store.SendAsync(messages, false, null, null, ct);
    }

    public Task EnsureInitializedAsync()
    {
        var t = _init.Value;
        return t.IsFaulted ? Retry() : t;
        Task Retry() => Store.InitializeAsync(CancellationToken.None);
    }
}
