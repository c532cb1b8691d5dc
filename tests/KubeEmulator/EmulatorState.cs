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

    public ResourceType Type(string group, string plural) =>
        Registry.FindAnyVersion(group, plural) ?? throw new InvalidOperationException($"{plural}.{group} is not served");
}
