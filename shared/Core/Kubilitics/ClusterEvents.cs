using k8s;
using System.Text;
using System.Text.Json.Nodes;
using Fleet.Core.Kubernetes;
using Fleet.Core.Platform.Errors;
using k8s.Models;

namespace Fleet.Core.Kubilitics;

/// <summary>A page of events, newest first, with the opaque token of the next page and the total.</summary>
public sealed record EventPage(IReadOnlyList<JsonObject> Items, string? Continue, int Total);

/// <summary>
/// Kubernetes events (core/v1), newest first. The API server pages in key order, not by time, so the
/// events are read whole (in chunks of 500), sorted by their last time, and paged here; the token holds
/// the offset.
/// </summary>
public sealed class ClusterEvents(ClusterRegistry registry)
{
    public const int DefaultLimit = 100, MaxLimit = 500;

    public async Task<EventPage> ListAsync(string clusterId, string? ns, int? limit, string? continueToken, CancellationToken ct)
    {
        var take = limit ?? DefaultLimit;
        if (take is < 1 or > MaxLimit) throw FleetException.Validation("limit", $"Field 'limit' must be between 1 and {MaxLimit}");
        var offset = DecodeOffset(continueToken);
        if (!string.IsNullOrEmpty(ns)) KubeNames.Check(ns, "namespace");
        var all = await ReadAllAsync(clusterId, ns, ct);
        var page = all.Skip(offset).Take(take).Select(Shape).ToList();
        var next = offset + page.Count < all.Count ? Convert.ToBase64String(Encoding.UTF8.GetBytes($"o:{offset + page.Count}")) : null;
        return new EventPage(page, next, all.Count);
    }

    /// <summary>The newest <paramref name="count"/> events of the cluster (for the overview).</summary>
    public async Task<IReadOnlyList<JsonObject>> RecentAsync(string clusterId, int count, CancellationToken ct) =>
        (await ReadAllAsync(clusterId, null, ct)).Take(count).Select(Shape).ToList();

    private async Task<List<Corev1Event>> ReadAllAsync(string clusterId, string? ns, CancellationToken ct)
    {
        var events = new List<Corev1Event>();
        string? cont = null;
        do
        {
            var page = await registry.RunAsync(clusterId, (k, t) => string.IsNullOrEmpty(ns)
                ? k.CoreV1.ListEventForAllNamespacesAsync(limit: 500, continueParameter: cont, cancellationToken: t)
                : k.CoreV1.ListNamespacedEventAsync(ns, limit: 500, continueParameter: cont, cancellationToken: t), ct);
            events.AddRange(page.Items);
            cont = page.Metadata?.ContinueProperty;
        } while (!string.IsNullOrEmpty(cont));
        return events.OrderByDescending(When).ThenBy(e => e.Metadata?.Name, StringComparer.Ordinal).ToList();
    }

    public static DateTime When(Corev1Event e) =>
        e.LastTimestamp ?? e.EventTime ?? e.FirstTimestamp ?? e.Metadata?.CreationTimestamp ?? DateTime.MinValue;

    /// <summary>The seed's event shape (Kubernetes' own field names).</summary>
    public static JsonObject Shape(Corev1Event e) => new()
    {
        ["name"] = e.Metadata?.Name,
        ["namespace"] = e.Metadata?.NamespaceProperty,
        ["type"] = e.Type,
        ["reason"] = e.Reason,
        ["message"] = e.Message,
        ["firstTimestamp"] = Format(e.FirstTimestamp ?? e.EventTime ?? e.Metadata?.CreationTimestamp),
        ["lastTimestamp"] = Format(e.LastTimestamp ?? e.EventTime ?? e.FirstTimestamp ?? e.Metadata?.CreationTimestamp),
        ["count"] = e.Count ?? 1,
        ["involvedObject"] = new JsonObject
        {
            ["kind"] = e.InvolvedObject?.Kind,
            ["namespace"] = e.InvolvedObject?.NamespaceProperty,
            ["name"] = e.InvolvedObject?.Name,
        },
        ["source"] = e.Source?.Component ?? e.ReportingComponent,
    };

    private static string? Format(DateTime? t) => t?.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'");

    private static int DecodeOffset(string? token)
    {
        if (string.IsNullOrEmpty(token)) return 0;
        try
        {
            var raw = Encoding.UTF8.GetString(Convert.FromBase64String(token));
            if (raw.StartsWith("o:", StringComparison.Ordinal) && int.TryParse(raw[2..], out var o) && o >= 0) return o;
        }
        catch (FormatException) { }
        throw FleetException.Validation("continue", "Field 'continue' is not a token this API gave");
    }
}

/// <summary>Kubernetes name rules for values that come from a client (namespace, pod, node names).</summary>
public static class KubeNames
{
    public static string Check(string value, string field)
    {
        if (value.Length is 0 or > 253 || !System.Text.RegularExpressions.Regex.IsMatch(value, "^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$"))
            throw FleetException.Validation(field, $"Field '{field}' must be a valid Kubernetes name (lower-case letters, digits, '-' and '.')");
        return value;
    }
}
