using Fleet.KubeEmulator.Discovery;
using Fleet.KubeEmulator.Store;

namespace Fleet.KubeEmulator.Api;

/// <summary>A parsed resource URL: /api/v1/... or /apis/{group}/{version}/..., with optional namespace, name and subresource.</summary>
public sealed record ResourcePath(ResourceType Type, string? Namespace, string? Name, string? Subresource, string[] SubPath)
{
    /// <summary>Parses the segments after the group/version; null means "not a resource path".</summary>
    public static ResourcePath? Parse(ResourceRegistry registry, string group, string version, string[] rest)
    {
        string? ns = null;
        var i = 0;
        // "namespaces/{ns}/{plural}..." addresses namespaced resources, except the namespace's own subresources.
        if (rest.Length >= 3 && rest[0] == "namespaces" && !(group.Length == 0 && rest[2] is "status" or "finalize"))
        {
            ns = rest[1];
            i = 2;
        }
        var plural = rest[i];
        var type = registry.Find(group, version, plural) ?? throw ApiException.ResourceNotFound();
        if (ns is not null && !type.Namespaced) throw ApiException.ResourceNotFound();
        var name = rest.Length > i + 1 ? rest[i + 1] : null;
        var sub = rest.Length > i + 2 ? rest[i + 2] : null;
        var subPath = rest.Length > i + 3 ? rest[(i + 3)..] : [];
        if (sub is not null && !type.Subresources.Contains(sub)) throw ApiException.ResourceNotFound();
        return new ResourcePath(type, ns, name, sub, subPath);
    }
}
