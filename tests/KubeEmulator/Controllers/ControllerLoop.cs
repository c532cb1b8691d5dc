using Fleet.KubeEmulator.Store;

namespace Fleet.KubeEmulator.Controllers;

/// <summary>
/// Runs the controllers after every change (batched): each pass reconciles everything, and writes only
/// what differs, so the loop settles once the cluster matches the specs.
/// </summary>
public sealed class ControllerLoop : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private readonly Watcher _watcher;
    private readonly IController[] _controllers;

    private ControllerLoop(EmulatorState state)
    {
        var events = new EventRecorder(state);
        _controllers =
        [
            new NamespaceController(state),
            new GarbageCollector(state),
            new DeploymentController(state, events),
            new ReplicaSetController(state, events),
            new StatefulSetController(state, events),
            new DaemonSetController(state, events),
            new JobController(state, events),
            new PodLifecycle(state, events),
            new EndpointsController(state),
            new EndpointSliceController(state),
        ];
        _watcher = state.Store.Watch(null, null, state.Store.CurrentResourceVersion);
        _loop = Task.Run(Run);
    }

    public static ControllerLoop Start(EmulatorState state) => new(state);

    private async Task Run()
    {
        var ct = _stop.Token;
        Reconcile();
        try
        {
            while (await _watcher.Events.Reader.WaitToReadAsync(ct))
            {
                // Batch bursts of writes into one pass; Events never need reconciling.
                await Task.Delay(15, ct);
                var relevant = false;
                while (_watcher.Events.Reader.TryRead(out var e))
                    relevant |= e.StorageKey is not ("/events" or "events.k8s.io/events");
                if (relevant) Reconcile();
            }
        }
        catch (OperationCanceledException) { }
    }

    private void Reconcile()
    {
        foreach (var c in _controllers)
        {
            try
            {
                c.Reconcile();
            }
            catch (ApiException)
            {
                // A conflict or a vanished object: the write that caused it triggers another pass.
            }
            catch (Exception e)
            {
                // One broken object must not stop every controller; report it and carry on.
                Console.Error.WriteLine($"kube-emulator: {c.GetType().Name} failed: {e}");
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _watcher.Dispose();
        try { await _loop; } catch (OperationCanceledException) { }
        _stop.Dispose();
    }
}

public interface IController
{
    void Reconcile();
}
