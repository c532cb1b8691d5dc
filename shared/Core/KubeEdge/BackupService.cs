using System.Text.Json;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Fleet.Core.Platform.Errors;
using Fleet.Core.Platform.Storage;

namespace Fleet.Core.KubeEdge;

public sealed record BackupManifest(string BackupId, string ClusterId, IReadOnlyList<string> Include, IReadOnlyDictionary<string, int> Counts, DateTimeOffset CreatedAt);

/// <summary>
/// Backups in Blob storage (<c>kubeedge-backups/&lt;cluster&gt;/&lt;name&gt;/</c>): one JSON per section (config, tokens, devices) and a
/// manifest written last, so a backup without a manifest is unfinished. Restores upsert records and recreate Device CRs, so they are idempotent.
/// </summary>
public sealed class BackupService(FleetStorage storage, DeviceService devices)
{
    public const string Container = "kubeedge-backups";
    public static readonly string[] Sections = ["config", "tokens", "devices"];

    public static IReadOnlyList<string> ValidateInclude(IReadOnlyList<string>? include)
    {
        var list = include is null || include.Count == 0 ? Sections : include.Distinct().ToArray();
        foreach (var s in list)
            if (!Sections.Contains(s)) throw FleetException.Validation("include", $"include may hold only {string.Join(", ", Sections)}");
        return list;
    }

    private async Task<BlobClient> BlobAsync(string clusterId, string name, string file, CancellationToken ct) =>
        (await storage.ContainerAsync(Container, ct)).GetBlobClient($"{clusterId}/{name}/{file}.json");

    public async Task<BackupManifest?> ManifestAsync(string clusterId, string name, CancellationToken ct)
    {
        var blob = await BlobAsync(clusterId, name, "manifest", ct);
        if (!await blob.ExistsAsync(ct)) return null;
        return JsonSerializer.Deserialize<BackupManifest>((await blob.DownloadContentAsync(ct)).Value.Content.ToString());
    }

    public async Task<int> ExportAsync(string clusterId, string name, string section, CancellationToken ct)
    {
        var rows = new List<Dictionary<string, object>>();
        var (table, filter) = TableOf(clusterId, section);
        await storage.EnsureTableAsync(table, ct);
        await foreach (var e in storage.Tables.GetTableClient(table).QueryAsync<TableEntity>(filter, cancellationToken: ct))
            rows.Add(e.Where(kv => kv.Key is not ("odata.etag" or "Timestamp")).ToDictionary(kv => kv.Key, kv => kv.Value));
        await (await BlobAsync(clusterId, name, section, ct)).UploadAsync(BinaryData.FromObjectAsJson(rows), overwrite: true, ct);
        return rows.Count;
    }

    public async Task WriteManifestAsync(BackupManifest manifest, CancellationToken ct) =>
        await (await BlobAsync(manifest.ClusterId, manifest.BackupId, "manifest", ct)).UploadAsync(BinaryData.FromObjectAsJson(manifest), overwrite: true, ct);

    public async Task<int> RestoreAsync(string clusterId, string name, string section, CancellationToken ct)
    {
        var blob = await BlobAsync(clusterId, name, section, ct);
        if (!await blob.ExistsAsync(ct)) return 0;
        var rows = JsonSerializer.Deserialize<List<Dictionary<string, JsonElement>>>((await blob.DownloadContentAsync(ct)).Value.Content.ToString()) ?? [];
        var (table, _) = TableOf(clusterId, section);
        await storage.EnsureTableAsync(table, ct);
        var client = storage.Tables.GetTableClient(table);
        foreach (var row in rows)
        {
            var e = new TableEntity();
            foreach (var (k, v) in row) e[k] = Value(k, v);
            // A backup taken from another cluster is restored into this one.
            e.PartitionKey = clusterId;
            if (section == "devices")
                await devices.CreateCrAsync(clusterId, e.RowKey, e.GetString("NodeName"), e.GetString("Model"), e.GetString("Protocol"), ct);
            await client.UpsertEntityAsync(e, TableUpdateMode.Replace, ct);
        }
        return rows.Count;
    }

    private (string Table, string Filter) TableOf(string clusterId, string section) => section switch
    {
        "config" => (KubeEdgeConfigStore.Table, TableClient.CreateQueryFilter($"PartitionKey eq {clusterId}")),
        "tokens" => (JoinTokenService.Table, TableClient.CreateQueryFilter($"PartitionKey eq {clusterId}")),
        "devices" => (DeviceService.Table, TableClient.CreateQueryFilter($"PartitionKey eq {clusterId}")),
        _ => throw FleetException.Validation("include", $"unknown section '{section}'"),
    };

    /// <summary>JSON back to the table types the entities use (dates were written as ISO strings).</summary>
    private static object? Value(string key, JsonElement v) => v.ValueKind switch
    {
        JsonValueKind.String when key is "CreatedAt" or "ExpiresAt" or "LastSeen" or "UpdatedAt" && DateTimeOffset.TryParse(v.GetString(), out var d) => d,
        JsonValueKind.String => v.GetString(),
        JsonValueKind.Number when v.TryGetInt32(out var i) => i,
        JsonValueKind.Number when v.TryGetInt64(out var l) => l,
        JsonValueKind.Number => v.GetDouble(),
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        _ => null,
    };
}
