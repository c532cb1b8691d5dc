using System.Text.Json.Nodes;

namespace Fleet.KubeEmulator.Store;

/// <summary>fieldSelector with = / == / != over dotted paths (metadata.name, spec.nodeName, status.phase, ...).</summary>
public sealed class FieldSelector
{
    private readonly List<(string[] Path, string Value, bool Negate)> _terms = [];

    public static FieldSelector Parse(string? text)
    {
        var s = new FieldSelector();
        if (string.IsNullOrWhiteSpace(text)) return s;
        foreach (var raw in text.Split(','))
        {
            var term = raw.Trim();
            if (term.Length == 0) continue;
            var ne = term.IndexOf("!=", StringComparison.Ordinal);
            var eq = term.IndexOf('=');
            if (ne > 0) s._terms.Add((term[..ne].Trim().Split('.'), term[(ne + 2)..].Trim(), true));
            else if (eq > 0) s._terms.Add((term[..eq].Trim().Split('.'), term[(eq + 1)..].TrimStart('=').Trim(), false));
            else throw ApiException.BadRequest($"invalid selector: '{text}'; can't understand '{term}'");
        }
        return s;
    }

    public bool Matches(JsonObject obj) => _terms.All(t =>
    {
        var node = Json.At(obj, t.Path);
        var value = node is JsonValue v ? v.ToString() : "";
        return t.Negate ? value != t.Value : value == t.Value;
    });
}
