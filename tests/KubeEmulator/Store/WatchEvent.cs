using System.Text.Json.Nodes;
using System.Threading.Channels;
using Fleet.KubeEmulator.Discovery;

namespace Fleet.KubeEmulator.Store;

/// <summary>
/// One change as watchers see it; the object is a snapshot that is never mutated afterwards.
/// MODIFIED events carry the previous state so filtered watches can turn them into ADDED/DELETED.
/// </summary>
public sealed record WatchEvent(string Type, string StorageKey, string? Namespace, JsonObject Object, long ResourceVersion, JsonObject? Previous = null);

/// <summary>A registered watch; disposing it unregisters.</summary>
public sealed class Watcher : IDisposable
{
    private readonly Action<Watcher> _onDispose;

    internal Watcher(string? storageKey, string? ns, Action<Watcher> onDispose)
    {
        StorageKey = storageKey;
        Namespace = ns;
        _onDispose = onDispose;
    }

    /// <summary>Null means every resource (the controllers' view).</summary>
    public string? StorageKey { get; }
    public string? Namespace { get; }
    public Channel<WatchEvent> Events { get; } = Channel.CreateUnbounded<WatchEvent>();

    internal bool Matches(WatchEvent e) =>
        (StorageKey is null || StorageKey == e.StorageKey) && (Namespace is null || Namespace == e.Namespace);

    public void Dispose()
    {
        Events.Writer.TryComplete();
        _onDispose(this);
    }
}
