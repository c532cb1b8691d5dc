namespace Fleet.Durable.Runtime;

/// <summary>Runs orchestrator continuations on the executing thread, in order, when drained: replay must be single-threaded
/// and deterministic, so no continuation may hop to the thread pool.</summary>
internal sealed class ReplaySynchronizationContext : SynchronizationContext
{
    private readonly Queue<(SendOrPostCallback Callback, object? State)> _work = new();

    public override void Post(SendOrPostCallback d, object? state) => _work.Enqueue((d, state));

    public override void Send(SendOrPostCallback d, object? state) => d(state);

    public override SynchronizationContext CreateCopy() => this;

    public void Drain()
    {
        while (_work.TryDequeue(out var item)) item.Callback(item.State);
    }
}
