using Fleet.Core.Platform.Errors;

namespace Fleet.Core.Kubilitics.Topology;

/// <summary>
/// Narrows a graph to the nodes of some kinds and/or matching a label selector (equality and set-based,
/// as kubectl accepts it), keeping the edges between the nodes kept.
/// </summary>
public sealed class TopologyFilter
{
    private readonly HashSet<string>? _kinds;
    private readonly List<Func<IReadOnlyDictionary<string, string>, bool>> _requirements = [];

    public bool IsEmpty => _kinds is null && _requirements.Count == 0;

    public TopologyFilter(string? kinds, string? labelSelector)
    {
        if (!string.IsNullOrWhiteSpace(kinds))
        {
            _kinds = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            foreach (var k in kinds.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                var match = TopologyKinds.All.FirstOrDefault(t => t.Kind.Equals(k, StringComparison.OrdinalIgnoreCase)
                                                                  || t.Plural.Equals(k, StringComparison.OrdinalIgnoreCase) || t.Singular.Equals(k, StringComparison.OrdinalIgnoreCase))
                            ?? throw FleetException.Validation("kinds", $"kinds: '{k}' is not a kind the topology shows ({string.Join(", ", TopologyKinds.All.Select(t => t.Kind))})");
                _kinds.Add(match.Kind);
            }
        }
        if (!string.IsNullOrWhiteSpace(labelSelector)) ParseSelector(labelSelector);
    }

    public bool Matches(TopologyNode n) => (_kinds is null || _kinds.Contains(n.Type)) && _requirements.All(r => r(n.Labels));

    private void ParseSelector(string selector)
    {
        foreach (var raw in SplitTopLevel(selector))
        {
            var req = raw.Trim();
            if (req.Length == 0) continue;
            var lower = req.ToLowerInvariant();
            int i;
            if ((i = lower.IndexOf(" notin ", StringComparison.Ordinal)) > 0 || (i = lower.IndexOf(" in ", StringComparison.Ordinal)) > 0)
            {
                var notIn = lower.Contains(" notin ", StringComparison.Ordinal);
                var key = req[..i].Trim();
                var set = req[(i + (notIn ? 7 : 4))..].Trim();
                if (!set.StartsWith('(') || !set.EndsWith(')')) throw Bad(req);
                var values = set[1..^1].Split(',', StringSplitOptions.TrimEntries).ToHashSet(StringComparer.Ordinal);
                Key(key, req);
                _requirements.Add(notIn ? l => !l.TryGetValue(key, out var v) || !values.Contains(v) : l => l.TryGetValue(key, out var v) && values.Contains(v));
            }
            else if ((i = req.IndexOf("!=", StringComparison.Ordinal)) > 0)
            {
                var (key, value) = (req[..i].Trim(), req[(i + 2)..].Trim());
                Key(key, req);
                _requirements.Add(l => !l.TryGetValue(key, out var v) || v != value);
            }
            else if ((i = req.IndexOf('=')) > 0)
            {
                var key = req[..i].Trim();
                var value = req[(i + (req.Length > i + 1 && req[i + 1] == '=' ? 2 : 1))..].Trim();
                Key(key, req);
                _requirements.Add(l => l.TryGetValue(key, out var v) && v == value);
            }
            else if (req.StartsWith('!'))
            {
                var key = req[1..].Trim();
                Key(key, req);
                _requirements.Add(l => !l.ContainsKey(key));
            }
            else
            {
                Key(req, req);
                _requirements.Add(l => l.ContainsKey(req));
            }
        }
    }

    private static void Key(string key, string req)
    {
        if (key.Length == 0 || key.Any(c => char.IsWhiteSpace(c) || c is '(' or ')' or ',' or '=' or '!')) throw Bad(req);
    }

    private static FleetException Bad(string req) => FleetException.Validation("labelSelector", $"labelSelector: cannot parse '{req}'");

    private static IEnumerable<string> SplitTopLevel(string s)
    {
        var depth = 0;
        var start = 0;
        for (var i = 0; i < s.Length; i++)
        {
            if (s[i] == '(') depth++;
            else if (s[i] == ')') depth--;
            else if (s[i] == ',' && depth == 0) { yield return s[start..i]; start = i + 1; }
        }
        yield return s[start..];
    }
}
