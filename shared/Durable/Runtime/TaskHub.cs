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

    public Task EnsureInitializedAsync()
    {
        var t = _init.Value;
        return t.IsFaulted ? Retry() : t;
        Task Retry() => Store.InitializeAsync(CancellationToken.None);
    }
}
