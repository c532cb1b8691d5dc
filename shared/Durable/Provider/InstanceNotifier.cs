using System.Collections.Concurrent;

namespace Fleet.Durable.Provider;

/// <summary>Tells waiting clients in this process that an instance's row changed, so waits end at once instead of at the next poll.</summary>
public sealed class InstanceNotifier
{
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _waits = new();

    /// <summary>Returns a task that completes at the next change of <paramref name="instanceId"/> made by this process.</summary>
    /// <param name="instanceId">The instance id.</param>
    public Task GetWaitTask(string instanceId)
        => _waits.GetOrAdd(instanceId, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;

    /// <summary>Wakes the waits on <paramref name="instanceId"/>.</summary>
    /// <param name="instanceId">The instance id.</param>
    public void Notify(string instanceId)
    {
        if (_waits.TryRemove(instanceId, out var tcs)) tcs.TrySetResult();
    }
}
