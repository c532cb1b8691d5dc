namespace Fleet.Durable.Messaging;

/// <summary>Wakes the pollers of a queue at once when this process sends to it, so idle polling back-off never delays local work.</summary>
internal sealed class QueueWakeups
{
    private readonly TaskCompletionSource[] _signals;

    /// <param name="queueCount">Partitions plus one for the work-item queue (the last index).</param>
    public QueueWakeups(int queueCount)
    {
        _signals = new TaskCompletionSource[queueCount];
        for (int i = 0; i < queueCount; i++) _signals[i] = New();
    }

    public int WorkItemsIndex => _signals.Length - 1;

    /// <summary>Take the wait task before polling, so a signal between the poll and the wait is not lost.</summary>
    public Task GetWaitTask(int queue) => Volatile.Read(ref _signals[Index(queue)]).Task;

    public void Signal(int queue, TimeSpan? delay = null)
    {
        int i = Index(queue);
        if (delay is { } d && d > TimeSpan.Zero)
        {
            if (d < TimeSpan.FromMinutes(10)) _ = Task.Delay(d).ContinueWith(_ => Signal(queue), TaskScheduler.Default);
            return;
        }
        Interlocked.Exchange(ref _signals[i], New()).TrySetResult();
    }

    private int Index(int queue) => queue < 0 ? _signals.Length - 1 : queue;

    private static TaskCompletionSource New() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
