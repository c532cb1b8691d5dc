using System.Text;
using System.Text.Json.Nodes;
using Fleet.Core.Platform.Errors;

namespace Fleet.Core.Kubilitics;

/// <summary>A list request as the caller gave it: selectors go to the API server, paging is the server's own.</summary>
public sealed record ResourceQuery(string? Namespace, string? LabelSelector, string? FieldSelector, int Limit, string? Continue)
{
    public const int DefaultLimit = 100;
    public const int MaxLimit = 500;

    public static ResourceQuery Parse(string? ns, string? labelSelector, string? fieldSelector, string? limit, string? cont)
    {
        var l = DefaultLimit;
        if (!string.IsNullOrEmpty(limit) && (!int.TryParse(limit, out l) || l < 1 || l > MaxLimit))
            throw FleetException.Validation("limit", $"limit must be an integer from 1 to {MaxLimit}");
        return new(string.IsNullOrWhiteSpace(ns) ? null : ns.Trim(), Blank(labelSelector), Blank(fieldSelector), l, Blank(cont));
    }

    private static string? Blank(string? s) => string.IsNullOrWhiteSpace(s) ? null : s;

    /// <summary>
    /// Fleet's continue token wraps the server's with the number of items already served, so every page can
    /// report the list's total (served so far + this page + the server's remainingItemCount).
    /// </summary>
    public static string Wrap(string serverToken, long offset) =>
        Convert.ToBase64String(Encoding.UTF8.GetBytes(new JsonObject { ["c"] = serverToken, ["o"] = offset }.ToJsonString()))
            .TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public static (string ServerToken, long Offset) Unwrap(string token)
    {
        try
        {
            var b64 = token.Replace('-', '+').Replace('_', '/');
            b64 = b64.PadRight(b64.Length + (4 - b64.Length % 4) % 4, '=');
            var o = JsonNode.Parse(Encoding.UTF8.GetString(Convert.FromBase64String(b64)))!.AsObject();
            return (o["c"]!.GetValue<string>(), o["o"]!.GetValue<long>());
        }
        catch (Exception e) when (e is FormatException or System.Text.Json.JsonException or InvalidOperationException or NullReferenceException or ArgumentException)
        {
            throw FleetException.Validation("continue", "continue is not a token this API gave out");
        }
    }
}
