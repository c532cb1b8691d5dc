namespace Fleet.KubeEmulator.Discovery;

/// <summary>One served resource (e.g. apps/v1 deployments) as discovery and the REST layer see it.</summary>
public sealed record ResourceType(
    string Group,
    string Version,
    string Plural,
    string Singular,
    string Kind,
    bool Namespaced,
    string[] ShortNames,
    string[] Subresources,
    bool ReadOnly = false,
    string[]? Categories = null)
{
    public string GroupVersion => Group.Length == 0 ? Version : $"{Group}/{Version}";

    /// <summary>Storage key: version-agnostic so a CRD served in two versions shares one set of objects.</summary>
    public string StorageKey => $"{Group}/{Plural}";

    public bool HasStatus => Subresources.Contains("status");

    public string[] Verbs => ReadOnly
        ? ["get", "list"]
        : ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"];
}
