namespace Fleet.Core.Kubilitics;

/// <summary>One resource a cluster serves, as discovery describes it.</summary>
public sealed record ApiResource(string Group, string Version, string Plural, string Singular, string Kind, bool Namespaced,
    IReadOnlyList<string> ShortNames, IReadOnlyList<string> Verbs)
{
    public string ApiVersion => Group.Length == 0 ? Version : $"{Group}/{Version}";

    /// <summary>The path of the collection (all namespaces when <paramref name="ns"/> is null).</summary>
    public string CollectionPath(string? ns)
    {
        var root = Group.Length == 0 ? $"api/{Version}" : $"apis/{Group}/{Version}";
        return Namespaced && ns is not null ? $"{root}/namespaces/{Uri.EscapeDataString(ns)}/{Plural}" : $"{root}/{Plural}";
    }

    public string ItemPath(string? ns, string name) => $"{CollectionPath(Namespaced ? ns : null)}/{Uri.EscapeDataString(name)}";
}
