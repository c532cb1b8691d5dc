using System.Globalization;
using Fleet.Core.Platform.Errors;

namespace Fleet.Core.Pioneer;

/// <summary>
/// <c>GET /resources</c>' query: <c>page</c> (from 1), <c>per_page</c> (1..1000, default 10), <c>sort</c>
/// (id, name, type, status, cpu_usage, memory_usage, disk_usage, cost; default id), <c>order</c> (asc/desc) and
/// <c>filter</c>: space-separated terms that must all hold, each one of
/// <c>type:VALUE</c>, <c>status:VALUE</c>, <c>name:VALUE</c> (a substring), <c>source:homei|kubeedge|kube</c>,
/// <c>tag.KEY=VALUE</c> (a tag equal to the value) or <c>tag.KEY</c> (the tag present). Values compare case-insensitively
/// except tags. Any other term is a 400 naming it.
/// </summary>
public sealed record ResourceQuery(int Page, int PerPage, string Sort, bool Descending, IReadOnlyList<Func<PioneerResource, bool>> Terms)
{
    public static readonly string[] SortFields = ["id", "name", "type", "status", "cpu_usage", "memory_usage", "disk_usage", "cost"];

    public static ResourceQuery Parse(string? page, string? perPage, string? sort, string? order, string? filter)
    {
        var p = Int(page, "page", 1, 1, int.MaxValue);
        var pp = Int(perPage, "per_page", 10, 1, 1000);
        var s = string.IsNullOrEmpty(sort) ? "id" : sort;
        if (!SortFields.Contains(s))
            throw FleetException.Validation("sort", $"sort must be one of {string.Join(", ", SortFields)}");
        var desc = order switch
        {
            null or "" or "asc" => false,
            "desc" => true,
            _ => throw FleetException.Validation("order", "order must be asc or desc"),
        };
        var terms = (filter ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(Term).ToList();
        return new ResourceQuery(p, pp, s, desc, terms);
    }

    public ResourcePage Apply(IEnumerable<PioneerResource> all)
    {
        var matching = all.Where(r => Terms.All(t => t(r))).ToList();
        IEnumerable<PioneerResource> sorted = Sort switch
        {
            "name" => Order(matching, r => r.Name),
            "type" => Order(matching, r => r.Type),
            "status" => Order(matching, r => r.Status),
            "cpu_usage" => Order(matching, r => r.Metrics.CpuUsage ?? double.MinValue),
            "memory_usage" => Order(matching, r => r.Metrics.MemoryUsage ?? double.MinValue),
            "disk_usage" => Order(matching, r => r.Metrics.DiskUsage ?? double.MinValue),
            "cost" => Order(matching, r => r.Cost.Hourly),
            _ => Order(matching, r => r.Id),
        };
        var items = sorted.Skip((int)Math.Min(int.MaxValue, (long)(Page - 1) * PerPage)).Take(PerPage).ToList();
        return new ResourcePage(items, matching.Count, Page, PerPage);
    }

    private IOrderedEnumerable<PioneerResource> Order<TKey>(List<PioneerResource> items, Func<PioneerResource, TKey> key)
    {
        var ordered = Descending ? items.OrderByDescending(key) : items.OrderBy(key);
        return ordered.ThenBy(r => r.Id, StringComparer.Ordinal); // a stable order across pages
    }

    private static Func<PioneerResource, bool> Term(string token)
    {
        if (token.StartsWith("tag.", StringComparison.Ordinal))
        {
            var rest = token[4..];
            var eq = rest.IndexOf('=');
            var key = eq < 0 ? rest : rest[..eq];
            if (key.Length == 0 || (eq >= 0 && eq == rest.Length - 1)) throw Bad(token);
            if (eq < 0) return r => r.Tags.ContainsKey(key);
            var value = rest[(eq + 1)..];
            return r => r.Tags.TryGetValue(key, out var v) && v == value;
        }
        var colon = token.IndexOf(':');
        if (colon <= 0 || colon == token.Length - 1) throw Bad(token);
        var field = token[..colon];
        var val = token[(colon + 1)..];
        return field switch
        {
            "type" => r => string.Equals(r.Type, val, StringComparison.OrdinalIgnoreCase),
            "status" => r => string.Equals(r.Status, val, StringComparison.OrdinalIgnoreCase),
            "name" => r => r.Name.Contains(val, StringComparison.OrdinalIgnoreCase),
            "source" => r => r.Id.StartsWith(val + ":", StringComparison.OrdinalIgnoreCase),
            _ => throw Bad(token),
        };
    }

    private static FleetException Bad(string token) =>
        new(FleetErrorKind.Validation,
            $"Invalid filter term '{token}': use type:VALUE, status:VALUE, name:VALUE, source:VALUE, tag.KEY=VALUE or tag.KEY",
            "filter", details: new Dictionary<string, object?> { ["token"] = token });

    private static int Int(string? value, string field, int fallback, int min, int max)
    {
        if (string.IsNullOrEmpty(value)) return fallback;
        if (!int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n < min || n > max)
            throw FleetException.Validation(field, $"{field} must be an integer from {min} to {max}");
        return n;
    }
}
