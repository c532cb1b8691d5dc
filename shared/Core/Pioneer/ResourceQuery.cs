using System.Globalization;
using Fleet.Core.Platform.Errors;

namespace Fleet.Core.Pioneer;

/// <summary>One term of the filter: <c>type:</c>, <c>status:</c>, <c>source:</c>, <c>name:</c> (a substring) or a tag (equal to a value, or present).</summary>
public sealed record FilterTerm(string Token, string Kind, string Value, string? TagKey = null);

/// <summary>
/// <c>GET /resources</c>' query: <c>page</c> (from 1), <c>per_page</c> (1..1000, default 10), <c>sort</c>
/// (id, name, type, status, cpu_usage, memory_usage, disk_usage, cost; default id), <c>order</c> (asc/desc) and
/// <c>filter</c>: space-separated terms that must all hold, each one of
/// <c>type:VALUE</c>, <c>status:VALUE</c>, <c>name:VALUE</c> (a substring), <c>source:homei|kubeedge|kube</c>,
/// <c>tag.KEY=VALUE</c> (a tag equal to the value) or <c>tag.KEY</c> (the tag present). Values compare case-insensitively
/// except tags. Any other term is a 400 naming it. Every term but <c>name:</c> becomes a Table storage property filter
/// (<see cref="TableFilter"/>); <c>name:</c> is matched on the rows those leave, as they are read.
/// </summary>
public sealed record ResourceQuery(int Page, int PerPage, string Sort, bool Descending, IReadOnlyList<FilterTerm> Terms)
{
    public static readonly string[] SortFields = InventoryIndex.Fields;
    public const int MaxValueLength = 256;

    public static ResourceQuery Parse(string? page, string? perPage, string? sort, string? order, string? filter)
    {
        var p = Int(page, "page", 1, 1, int.MaxValue);
        var pp = Int(perPage, "per_page", 10, 1, 1000);
        var s = string.IsNullOrEmpty(sort) ? "id" : sort;
        if (!SortFields.Contains(s))
            throw new FleetException(FleetErrorKind.Validation, $"Unknown sort field '{s}': sort must be one of {string.Join(", ", SortFields)}", "sort",
                details: new Dictionary<string, object?> { ["token"] = s });
        var desc = order switch
        {
            null or "" or "asc" => false,
            "desc" => true,
            _ => throw FleetException.Validation("order", "order must be asc or desc"),
        };
        var terms = (filter ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(Term).ToList();
        return new ResourceQuery(p, pp, s, desc, terms);
    }

    /// <summary>The terms as an OData filter over the projection's properties ("" when none applies).</summary>
    public string TableFilter => string.Join(" and ", Terms.Select(t => t.Kind switch
    {
        "type" => $"TypeKey eq '{Q(t.Value.ToLowerInvariant())}'",
        "status" => $"StatusKey eq '{Q(t.Value.ToLowerInvariant())}'",
        "source" => $"Source eq '{Q(t.Value.ToLowerInvariant())}'",
        "tag" => $"{InventoryIndex.TagProperty(t.TagKey!)} eq '{Q(t.Value)}'",
        "tag_present" => $"{InventoryIndex.TagProperty(t.TagKey!)} ge ''",
        _ => null,
    }).Where(f => f is not null));

    /// <summary>The <c>name:</c> substrings, matched as rows are read.</summary>
    public IReadOnlyList<string> NameTerms => Terms.Where(t => t.Kind == "name").Select(t => t.Value).ToList();

    public bool MatchesName(string name) => NameTerms.All(n => name.Contains(n, StringComparison.OrdinalIgnoreCase));

    private static string Q(string value) => value.Replace("'", "''");

    private static FilterTerm Term(string token)
    {
        if (token.StartsWith("tag.", StringComparison.Ordinal))
        {
            var rest = token[4..];
            var eq = rest.IndexOf('=');
            var key = eq < 0 ? rest : rest[..eq];
            if (key.Length == 0 || (eq >= 0 && eq == rest.Length - 1) || !Clean(rest)) throw Bad(token);
            return eq < 0 ? new FilterTerm(token, "tag_present", "", key) : new FilterTerm(token, "tag", rest[(eq + 1)..], key);
        }
        var colon = token.IndexOf(':');
        if (colon <= 0 || colon == token.Length - 1) throw Bad(token);
        var field = token[..colon];
        var val = token[(colon + 1)..];
        if (field is not ("type" or "status" or "name" or "source") || !Clean(val)) throw Bad(token);
        return new FilterTerm(token, field, val);
    }

    /// <summary>What a Table storage filter can carry: at most 256 characters, no control character, no lone surrogate.</summary>
    private static bool Clean(string value)
    {
        if (value.Length > MaxValueLength) return false;
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (char.IsControl(c)) return false;
            if (char.IsHighSurrogate(c) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1])) { i++; continue; }
            if (char.IsSurrogate(c)) return false;
        }
        return true;
    }

    private static FleetException Bad(string token) =>
        new(FleetErrorKind.Validation,
            $"Invalid filter term '{token}': use type:VALUE, status:VALUE, name:VALUE, source:VALUE, tag.KEY=VALUE or tag.KEY (values up to {MaxValueLength} characters)",
            "filter", details: new Dictionary<string, object?> { ["token"] = token });

    private static int Int(string? value, string field, int fallback, int min, int max)
    {
        if (string.IsNullOrEmpty(value)) return fallback;
        if (!int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n < min || n > max)
            throw FleetException.Validation(field, $"{field} must be an integer from {min} to {max}");
        return n;
    }
}
