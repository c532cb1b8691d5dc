using System.Collections.Concurrent;

namespace Fleet.Core.Platform.Mesh;

/// <summary>The fleet-wide singletons this host runs right now (for <c>GET /api/hosts</c> and the host's heartbeat).</summary>
public sealed class LeaseBook
{
    private readonly ConcurrentDictionary<string, bool> _held = new();

    public void Set(string name, bool held)
    {
        if (held) _held[name] = true;
        else _held.TryRemove(name, out _);
    }

    public IReadOnlyList<string> Held => [.. _held.Keys.Order(StringComparer.Ordinal)];
}
