using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Fleet.Core.Pioneer;

/// <summary>
/// One sorted copy of the inventory projection: a table of its own whose row keys order the resources by one field,
/// ascending or descending, ties broken by id. Table storage returns rows in key order only, so every sort the list
/// route offers is a table read in key order (one table each, so that a read scans that copy only).
/// </summary>
public sealed record InventoryIndex(string Field, bool Descending)
{
    /// <summary>The sortable fields: <c>GET /resources?sort=</c> takes exactly these.</summary>
    public static readonly string[] Fields = ["id", "name", "type", "status", "cpu_usage", "memory_usage", "disk_usage", "cost"];

    /// <summary>Every copy: each field in both orders.</summary>
    public static readonly IReadOnlyList<InventoryIndex> All =
        Fields.SelectMany(f => new[] { new InventoryIndex(f, false), new InventoryIndex(f, true) }).ToList();

    /// <summary>The primary copy (id ascending): the one a refresh reads back to find what changed.</summary>
    public static readonly InventoryIndex Primary = All[0];

    /// <summary>The partition every row of a copy lives in (one partition: the whole copy is in key order).</summary>
    public const string Partition = "items";

    /// <summary>How many leading UTF-8 bytes of a text value order the rows (values equal that far are ordered by id).</summary>
    public const int MaxSortBytes = 80;

    private const int MaxIdKeyLength = 340;

    public static InventoryIndex For(string field, bool descending) => All.First(i => i.Field == field && i.Descending == descending);

    /// <summary><c>pioneerInvNameAsc</c>, <c>pioneerInvCpuUsageDesc</c>, ...</summary>
    public string Table => "pioneerInv" + string.Concat(Field.Split('_').Select(p => char.ToUpperInvariant(p[0]) + p[1..]))
                           + (Descending ? "Desc" : "Asc");

    /// <summary>Whether this copy's order depends on usage or cost (which change with every sample).</summary>
    public bool ByUsage => Field is "cpu_usage" or "memory_usage" or "disk_usage" or "cost";

    /// <summary>The row key of a resource in this copy: its sort value encoded so that key order is the field's order, then its id.</summary>
    public string RowKey(PioneerResource r)
    {
        var value = Field switch
        {
            "id" => Text(r.Id),
            "name" => Text(r.Name),
            "type" => Text(r.Type),
            "status" => Text(r.Status),
            "cpu_usage" => Number(r.Metrics.CpuUsage),
            "memory_usage" => Number(r.Metrics.MemoryUsage),
            "disk_usage" => Number(r.Metrics.DiskUsage),
            _ => Number(r.Cost.Hourly),
        };
        return value + IdKey(r.Id);
    }

    /// <summary>
    /// Text as hex of its UTF-8 bytes (code point order, and only key-safe characters). Ascending: the bytes then '-',
    /// which sorts below every hex digit, so a value sorts before its own extensions. Descending: every byte inverted
    /// then '~', above every hex digit, so a value sorts after its extensions.
    /// </summary>
    private string Text(string value)
    {
        var bytes = Encoding.UTF8.GetBytes(value);
        if (bytes.Length > MaxSortBytes) bytes = bytes[..MaxSortBytes];
        if (!Descending) return Convert.ToHexStringLower(bytes) + "-";
        for (var i = 0; i < bytes.Length; i++) bytes[i] = (byte)~bytes[i];
        return Convert.ToHexStringLower(bytes) + "~";
    }

    /// <summary>
    /// A number as 16 hex digits of its IEEE bits made order-preserving (sign bit flipped for positives, all bits for
    /// negatives); none (null) sorts below every number, as the smallest value. Descending inverts the 64 bits.
    /// </summary>
    private string Number(double? value)
    {
        ulong u = 0;
        if (value is { } v && !double.IsNaN(v))
        {
            var bits = (ulong)BitConverter.DoubleToInt64Bits(v == 0 ? 0d : v);
            u = (bits & 0x8000_0000_0000_0000UL) == 0 ? bits | 0x8000_0000_0000_0000UL : ~bits;
            if (u == 0) u = 1; // never the same as none
        }
        if (Descending) u = ~u;
        return u.ToString("x16", CultureInfo.InvariantCulture) + "-";
    }

    /// <summary>The id as a key may hold it (<c>% / \ # ?</c> escaped); a very long id by its hash.</summary>
    public static string IdKey(string id)
    {
        var escaped = id.Replace("%", "%25").Replace("/", "%2F").Replace("\\", "%5C").Replace("#", "%23").Replace("?", "%3F");
        var clean = new StringBuilder(escaped.Length);
        foreach (var c in escaped) clean.Append(char.IsControl(c) || char.IsSurrogate(c) ? '_' : c);
        return clean.Length <= MaxIdKeyLength ? clean.ToString() : "~h" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(id)));
    }

    /// <summary>
    /// The property a tag is stored in, so that <c>tag.KEY=VALUE</c> is a property filter: <c>tag_</c> then the key with
    /// letters and digits kept and every other character as <c>_xx</c> (its UTF-8 bytes in hex), which no two keys share;
    /// a key that would make a name longer than 200 characters is named by its hash.
    /// </summary>
    public static string TagProperty(string key)
    {
        var sb = new StringBuilder("tag_");
        foreach (var b in Encoding.UTF8.GetBytes(key))
        {
            if (b is >= (byte)'a' and <= (byte)'z' or >= (byte)'A' and <= (byte)'Z' or >= (byte)'0' and <= (byte)'9') sb.Append((char)b);
            else sb.Append('_').Append(b.ToString("x2", CultureInfo.InvariantCulture));
        }
        return sb.Length <= 200 ? sb.ToString() : "tagh_" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)))[..40];
    }
}
