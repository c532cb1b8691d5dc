using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Azure;
using Azure.Data.Tables;
using Fleet.Core.Platform.Errors;
using Fleet.Core.Platform.Storage;
using Microsoft.Extensions.Options;

namespace Fleet.Core.Pioneer;

/// <summary>A registered event stream: its filters and the hash of its one outstanding token (Table storage, so it survives a restart).</summary>
public sealed class StreamEntity : ITableEntity
{
    public string PartitionKey { get; set; } = EventStreams.Partition;
    public string RowKey { get; set; } = "";
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }
    public string Topic { get; set; } = EventStreams.Topic;
    public string ResourceTypes { get; set; } = "";
    public string Metrics { get; set; } = "";
    public long MinIntervalSeconds { get; set; }
    public string Owner { get; set; } = "";
    public string? TokenHash { get; set; }
    public DateTimeOffset? TokenExpires { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
}

/// <summary>What a stream sends: resources of these types (all when empty), these metrics (all when empty), at most once per interval per resource.</summary>
public sealed record StreamFilter(IReadOnlyList<string> ResourceTypes, IReadOnlyList<string> Metrics, TimeSpan MinInterval)
{
    public bool Matches(string resourceType) =>
        ResourceTypes.Count == 0 || ResourceTypes.Contains(resourceType, StringComparer.OrdinalIgnoreCase);

    public Dictionary<string, double> Project(IReadOnlyDictionary<string, double> data) =>
        data.Where(kv => Metrics.Count == 0 || Metrics.Contains(kv.Key)).ToDictionary(kv => kv.Key, kv => kv.Value);
}

public sealed record StreamTicket(string StreamId, string Token);

/// <summary>
/// CloudPioneer's event streams (topic <c>resource_metrics</c>). Registering answers a stream id and a token; the token
/// opens the stream's WebSocket once and expires after <see cref="PioneerStreamOptions.TokenLifetime"/>. Only its
/// SHA-256 is stored. A new token for a registered stream (after a reconnect, a restart) comes from
/// <see cref="IssueTokenAsync"/>, for the stream's owner only.
/// </summary>
public sealed partial class EventStreams(FleetStorage storage, IOptions<PioneerOptions> options, TimeProvider time)
{
    public const string Table = "pioneerStreams";
    public const string Partition = "streams";
    public const string Topic = "resource_metrics";
    public const int MaxTypes = 16;

    private static readonly Dictionary<string, string> MetricAliases = new(StringComparer.OrdinalIgnoreCase)
    {
        ["cpu"] = "cpu_usage", ["memory"] = "memory_usage", ["disk"] = "disk_usage",
        ["cpu_usage"] = "cpu_usage", ["memory_usage"] = "memory_usage", ["disk_usage"] = "disk_usage",
    };

    private TableStore<StreamEntity> Rows => storage.Table<StreamEntity>(Table);

    /// <summary>Validates the seed's request: topic <c>resource_metrics</c>; metrics cpu, memory, disk (or their _usage names); min_interval like 30s, 1m, 1h.</summary>
    public static StreamFilter ParseFilter(string? topic, IReadOnlyList<string?>? resourceTypes, IReadOnlyList<string?>? metrics, string? minInterval)
    {
        if (!string.IsNullOrEmpty(topic) && topic != Topic)
            throw FleetException.Validation("topic", $"topic must be '{Topic}'");
        var types = (resourceTypes ?? []).Select(t => (t ?? "").Trim().ToLowerInvariant()).Distinct().ToList();
        if (types.Count > MaxTypes) throw FleetException.Validation("filters.resource_types", $"At most {MaxTypes} resource types");
        foreach (var t in types.Where(t => !TypePattern().IsMatch(t)))
            throw FleetException.Validation("filters.resource_types", $"Resource type '{t}' must be 1-64 lower-case letters, digits or '_'");
        var names = new List<string>();
        foreach (var m in metrics ?? [])
        {
            if (m is null || !MetricAliases.TryGetValue(m, out var name))
                throw new FleetException(FleetErrorKind.Validation, $"Unknown metric '{m}': use cpu, memory or disk", "filters.metrics",
                    details: new Dictionary<string, object?> { ["metric"] = m });
            if (!names.Contains(name)) names.Add(name);
        }
        return new StreamFilter(types, names, Interval(minInterval));
    }

    private static TimeSpan Interval(string? value)
    {
        if (string.IsNullOrEmpty(value)) return TimeSpan.Zero;
        var m = IntervalPattern().Match(value);
        if (!m.Success) throw FleetException.Validation("filters.min_interval", "min_interval must be a number of s, m or h, e.g. 30s, 1m, 1h");
        var n = int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
        var span = m.Groups[2].Value switch { "s" => TimeSpan.FromSeconds(n), "m" => TimeSpan.FromMinutes(n), _ => TimeSpan.FromHours(n) };
        if (span > TimeSpan.FromDays(1)) throw FleetException.Validation("filters.min_interval", "min_interval may be at most 24h");
        return span;
    }

    public async Task<StreamTicket> CreateAsync(StreamFilter filter, string owner, CancellationToken ct)
    {
        await storage.EnsureTableAsync(Table, ct);
        var token = NewToken();
        var e = new StreamEntity
        {
            RowKey = "stream_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8)),
            ResourceTypes = string.Join(',', filter.ResourceTypes), Metrics = string.Join(',', filter.Metrics),
            MinIntervalSeconds = (long)filter.MinInterval.TotalSeconds, Owner = owner,
            TokenHash = Hash(token), TokenExpires = time.GetUtcNow() + options.Value.Streams.TokenLifetime, CreatedAt = time.GetUtcNow(),
        };
        await Rows.AddAsync(e, ct: ct);
        return new StreamTicket(e.RowKey, token);
    }

    /// <summary>A new single-use token for a registered stream (the previous one, if unused, no longer works).</summary>
    public async Task<StreamTicket> IssueTokenAsync(string streamId, string owner, CancellationToken ct)
    {
        var e = await FindAsync(streamId, ct);
        if (e.Owner != owner) throw new FleetException(FleetErrorKind.Forbidden, "Only the stream's owner can get a token for it");
        var token = NewToken();
        e.TokenHash = Hash(token);
        e.TokenExpires = time.GetUtcNow() + options.Value.Streams.TokenLifetime;
        await Rows.UpdateAsync(e, ct);
        return new StreamTicket(e.RowKey, token);
    }

    /// <summary>Spends the token: the stream's filter if the token is the stream's current one and unexpired; a 401 otherwise.</summary>
    public async Task<StreamFilter> RedeemAsync(string streamId, string? token, CancellationToken ct)
    {
        var e = await FindAsync(streamId, ct);
        var refused = new FleetException(FleetErrorKind.Unauthenticated, "The stream token is wrong, used or expired: get a new one from POST /events/stream/{stream_id}/token");
        if (string.IsNullOrEmpty(token) || e.TokenHash is null || e.TokenExpires is null || e.TokenExpires < time.GetUtcNow()) throw refused;
        if (!CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(Hash(token)), Encoding.ASCII.GetBytes(e.TokenHash))) throw refused;
        e.TokenHash = null;
        e.TokenExpires = null;
        try { await Rows.UpdateAsync(e, ct); } // the ETag makes a race for the same token one winner
        catch (FleetException x) when (x.Kind == FleetErrorKind.Conflict) { throw refused; }
        return new StreamFilter(Split(e.ResourceTypes), Split(e.Metrics), TimeSpan.FromSeconds(e.MinIntervalSeconds));
    }

    private async Task<StreamEntity> FindAsync(string streamId, CancellationToken ct)
    {
        await storage.EnsureTableAsync(Table, ct);
        return await Rows.GetAsync(Partition, streamId, ct)
               ?? throw FleetException.NotFound($"Stream '{streamId}' does not exist", details: new Dictionary<string, object?> { ["stream_id"] = streamId });
    }

    private static List<string> Split(string s) => s.Split(',', StringSplitOptions.RemoveEmptyEntries).ToList();
    private static string NewToken() => "ws_" + Base64Url(RandomNumberGenerator.GetBytes(32));
    private static string Hash(string token) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));
    private static string Base64Url(byte[] b) => Convert.ToBase64String(b).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    [GeneratedRegex("^[a-z0-9_]{1,64}$")]
    private static partial Regex TypePattern();

    [GeneratedRegex("^([0-9]{1,6})(s|m|h)$")]
    private static partial Regex IntervalPattern();
}
