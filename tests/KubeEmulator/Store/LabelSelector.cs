using System.Text.Json.Nodes;

namespace Fleet.KubeEmulator.Store;

/// <summary>The labelSelector query syntax: =, ==, !=, in, notin, key (exists), !key.</summary>
public sealed class LabelSelector
{
    private readonly List<Func<IReadOnlyDictionary<string, string>, bool>> _terms = [];

    public static LabelSelector Parse(string? text)
    {
        var s = new LabelSelector();
        if (string.IsNullOrWhiteSpace(text)) return s;
        foreach (var raw in SplitTerms(text))
        {
            var term = raw.Trim();
            if (term.Length == 0) continue;
            s._terms.Add(ParseTerm(term));
        }
        return s;
    }

    /// <summary>A selector from a LabelSelector object (matchLabels + matchExpressions).</summary>
    public static LabelSelector FromObject(JsonNode? selector)
    {
        var s = new LabelSelector();
        foreach (var (k, v) in Json.Labels(selector, "matchLabels"))
            s._terms.Add(l => l.TryGetValue(k, out var x) && x == v);
        foreach (var e in Json.Objects(Json.At(selector, "matchExpressions")))
        {
            var key = Json.Str(e, "key") ?? "";
            var values = (e["values"] as JsonArray)?.Select(x => x!.GetValue<string>()).ToHashSet() ?? [];
            s._terms.Add(Json.Str(e, "operator") switch
            {
                "In" => l => l.TryGetValue(key, out var x) && values.Contains(x),
                "NotIn" => l => !l.TryGetValue(key, out var x) || !values.Contains(x),
                "Exists" => l => l.ContainsKey(key),
                "DoesNotExist" => l => !l.ContainsKey(key),
                var op => throw ApiException.BadRequest($"invalid selector operator {op}"),
            });
        }
        return s;
    }

    public bool IsEmpty => _terms.Count == 0;

    public bool Matches(IReadOnlyDictionary<string, string> labels) => _terms.All(t => t(labels));

    // Commas inside "in (a,b)" do not separate terms.
    private static IEnumerable<string> SplitTerms(string text)
    {
        var depth = 0; var start = 0;
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] == '(') depth++;
            else if (text[i] == ')') depth--;
            else if (text[i] == ',' && depth == 0) { yield return text[start..i]; start = i + 1; }
        }
        yield return text[start..];
    }

    private static Func<IReadOnlyDictionary<string, string>, bool> ParseTerm(string term)
    {
        if (term.StartsWith('!'))
        {
            var key = term[1..].Trim();
            return l => !l.ContainsKey(key);
        }
        foreach (var (word, negate) in new[] { (" notin ", true), (" in ", false) })
        {
            var at = term.IndexOf(word, StringComparison.Ordinal);
            if (at < 0) continue;
            var key = term[..at].Trim();
            var set = term[(at + word.Length)..].Trim();
            if (!set.StartsWith('(') || !set.EndsWith(')')) throw ApiException.BadRequest($"unable to parse requirement: {term}");
            var values = set[1..^1].Split(',').Select(v => v.Trim()).ToHashSet();
            return negate
                ? l => !l.TryGetValue(key, out var v) || !values.Contains(v)
                : l => l.TryGetValue(key, out var v) && values.Contains(v);
        }
        var ne = term.IndexOf("!=", StringComparison.Ordinal);
        if (ne > 0)
        {
            var key = term[..ne].Trim(); var value = term[(ne + 2)..].Trim();
            return l => !l.TryGetValue(key, out var v) || v != value;
        }
        var eq = term.IndexOf('=');
        if (eq > 0)
        {
            var key = term[..eq].Trim();
            var value = term[(eq + 1)..].TrimStart('=').Trim();
            return l => l.TryGetValue(key, out var v) && v == value;
        }
        var exists = term.Trim();
        return l => l.ContainsKey(exists);
    }
}
