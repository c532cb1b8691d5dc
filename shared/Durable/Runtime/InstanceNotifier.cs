using System.Collections.Concurrent;

namespace Fleet.Durable.Runtime;

/// <summary>Tells waiting clients in this process that an instance's row changed, so waits end at once instead of at the next poll.</summary>
internal sealed class InstanceNotifier
{
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _waits = new();

    public Task GetWaitTask(string instanceId)
        => _waits.GetOrAdd(instanceId, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;

    public void Notify(string instanceId)
    {
        if (_waits.TryRemove(instanceId, out var tcs)) tcs.TrySetResult();
    }
}
