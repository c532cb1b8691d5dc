using System.Text.Json;
using System.Text.Json.Nodes;
using Azure;
using Azure.Data.Tables;
using Fleet.Core.Platform.Storage;

namespace Fleet.Core.Homei;

/// <summary>
/// The orchestrator configuration of the seed's "Configuration" routes. Table <c>homeiConfig</c>:
/// PartitionKey "config", RowKey "orchestrator" (one document, read and replaced as a whole with its ETag).
/// A PUT is deep-merged into the current document and validated before it is stored.
/// </summary>
public sealed class HomeiConfigStore(FleetStorage storage)
{
    public const string TableName = "homeiConfig";
    public const int DefaultHealthCheckInterval = 60;

    public static JsonObject Defaults() => new()
    {
        ["orchestrator"] = new JsonObject
        {
            ["name"] = "Homei Orchestrator",
            ["version"] = "1.0.0",
            ["api"] = new JsonObject { ["host"] = "0.0.0.0", ["port"] = 8080 },
            ["monitoring"] = new JsonObject
            {
                ["enabled"] = true,
                ["metrics_port"] = 9090,
                ["health_check_interval"] = DefaultHealthCheckInterval,
            },
        },
    };

    private TableStore<ConfigEntity> Table => storage.Table<ConfigEntity>(TableName);

    /// <summary>Raised after a stored change, so run-time users (the reconcile loop) apply it at once.</summary>
    public event Action? Changed;

    public async Task<JsonObject> GetAsync(CancellationToken ct = default) => (await ReadAsync(ct)).Config;

    /// <summary>Deep-merges <paramref name="patch"/> into the stored configuration; a concurrent change is a 409.</summary>
    public async Task<JsonObject> MergeAsync(JsonObject patch, CancellationToken ct = default)
    {
        var (current, etag) = await ReadAsync(ct);
        var merged = DeepMerge(current, patch);
        Validate(merged);
        await ReplaceAsync(merged, etag, ct);
        return merged;
    }

    /// <summary>Replaces the whole document (restore from a backup).</summary>
    public async Task ReplaceAsync(JsonObject config, ETag? etag = null, CancellationToken ct = default)
    {
        Validate(config);
        await storage.EnsureTableAsync(TableName, ct);
        var e = new ConfigEntity { Json = config.ToJsonString() };
        if (etag is { } tag && tag != default) { e.ETag = tag; await Table.UpdateAsync(e, ct); }
        else await Table.UpsertAsync(e, ct);
        Changed?.Invoke();
    }

    /// <summary>Seconds between reconcile passes, read at each pass so a PUT takes effect at run time.</summary>
    public async Task<int> HealthCheckIntervalAsync(CancellationToken ct = default)
    {
        var c = await GetAsync(ct);
        return c["orchestrator"]?["monitoring"]?["health_check_interval"] is JsonValue v && v.TryGetValue<int>(out var s) ? s : DefaultHealthCheckInterval;
    }

    public static JsonObject DeepMerge(JsonObject target, JsonObject patch)
    {
        var result = (JsonObject)target.DeepClone();
        foreach (var (key, value) in patch)
        {
            if (value is JsonObject po && result[key] is JsonObject to) result[key] = DeepMerge(to, po);
            else result[key] = value?.DeepClone();
        }
        return result;
    }

    /// <summary>Known settings must have their type and range; unknown keys are kept as given.</summary>
    public static void Validate(JsonObject config)
    {
        if (config["orchestrator"] is not JsonObject o) throw HomeiErrors.Config("orchestrator", "'orchestrator' must be an object");
        RequireString(o, "name", "orchestrator.name");
        RequireString(o, "version", "orchestrator.version");
        if (o["api"] is { } api)
        {
            if (api is not JsonObject a) throw HomeiErrors.Config("orchestrator.api", "'orchestrator.api' must be an object");
            RequireString(a, "host", "orchestrator.api.host");
            RequireInt(a, "port", "orchestrator.api.port", 1, 65535);
        }
        if (o["monitoring"] is { } mon)
        {
            if (mon is not JsonObject m) throw HomeiErrors.Config("orchestrator.monitoring", "'orchestrator.monitoring' must be an object");
            if (m["enabled"] is { } en && en.GetValueKind() is not (JsonValueKind.True or JsonValueKind.False))
                throw HomeiErrors.Config("orchestrator.monitoring.enabled", "'orchestrator.monitoring.enabled' must be true or false");
            RequireInt(m, "metrics_port", "orchestrator.monitoring.metrics_port", 1, 65535);
            RequireInt(m, "health_check_interval", "orchestrator.monitoring.health_check_interval", 1, 86400);
        }
    }

    private static void RequireString(JsonObject o, string key, string field)
    {
        if (o[key] is { } v && v.GetValueKind() != JsonValueKind.String) throw HomeiErrors.Config(field, $"'{field}' must be a string");
    }

    private static void RequireInt(JsonObject o, string key, string field, int min, int max)
    {
        if (o[key] is not { } v) return;
        if (v is not JsonValue jv || !jv.TryGetValue<int>(out var n) && !(jv.TryGetValue<double>(out var d) && d == Math.Floor(d) && (n = (int)d) == d) || n < min || n > max)
            throw HomeiErrors.Config(field, $"'{field}' must be an integer from {min} to {max}");
    }

    private async Task<(JsonObject Config, ETag ETag)> ReadAsync(CancellationToken ct)
    {
        await storage.EnsureTableAsync(TableName, ct);
        var e = await Table.GetAsync("config", "orchestrator", ct);
        return e is null ? (Defaults(), default) : ((JsonObject)JsonNode.Parse(e.Json)!, e.ETag);
    }

    public sealed class ConfigEntity : ITableEntity
    {
        public string PartitionKey { get; set; } = "config";
        public string RowKey { get; set; } = "orchestrator";
        public DateTimeOffset? Timestamp { get; set; }
        public ETag ETag { get; set; }
        public string Json { get; set; } = "{}";
    }
}
