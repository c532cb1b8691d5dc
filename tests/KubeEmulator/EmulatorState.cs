using Fleet.KubeEmulator.Discovery;
using Fleet.KubeEmulator.Kubelet;
using Fleet.KubeEmulator.Store;

namespace Fleet.KubeEmulator;

/// <summary>Everything the request handlers and controllers share.</summary>
public sealed class EmulatorState(KubeEmulatorOptions options, ResourceRegistry registry, ObjectStore store, KubeletSimulator kubelet)
{
    public KubeEmulatorOptions Options { get; } = options;
    public ResourceRegistry Registry { get; } = registry;
    public ObjectStore Store { get; } = store;
    public KubeletSimulator Kubelet { get; } = kubelet;

    /// <summary>The open HTTP watch streams, so a test can break them.</summary>
    public WatchStreamRegistry WatchStreams { get; } = new();

    public ResourceType Type(string group, string plural) =>
        Registry.FindAnyVersion(group, plural) ?? throw new InvalidOperationException($"{plural}.{group} is not served");
}

/// <summary>Cancellation handles of the open HTTP watch streams.</summary>
public sealed class WatchStreamRegistry
{
    private readonly HashSet<CancellationTokenSource> _open = [];

    public IDisposable Register(CancellationTokenSource cts)
    {
        lock (_open) _open.Add(cts);
        return new Registration(this, cts);
    }

    public int BreakAll()
    {
        CancellationTokenSource[] all;
        lock (_open) all = [.. _open];
        foreach (var c in all)
        {
            try { c.Cancel(); }
            catch (ObjectDisposedException) { }
        }
        return all.Length;
    }

    private sealed class Registration(WatchStreamRegistry owner, CancellationTokenSource cts) : IDisposable
    {
        public void Dispose()
        {
            lock (owner._open) owner._open.Remove(cts);
        }
    }
}
