using System.Formats.Tar;
using System.IO.Compression;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Fleet.Core.Platform.Errors;
using Fleet.Core.Platform.Json;

namespace Fleet.Core.Homei;

/// <summary>What a backup holds: service definitions, the configuration and, for full backups, each named volume as a tar stream.</summary>
public sealed record BackupContent(string Type, DateTimeOffset CreatedAt, List<ServiceDefinition> Services, JsonObject? Config,
    Dictionary<string, byte[]> Volumes);

/// <summary>
/// The backup file: a tar.gz (System.Formats.Tar in a GZipStream) with <c>manifest.json</c>,
/// <c>config.json</c>, <c>services/&lt;name&gt;.json</c> and <c>volumes/&lt;volume&gt;.tar</c>.
/// </summary>
public static partial class BackupArchive
{
    public static async Task WriteAsync(Stream output, BackupContent content, CancellationToken ct = default)
    {
        await using var gzip = new GZipStream(output, CompressionLevel.Optimal, leaveOpen: true);
        await using var tar = new TarWriter(gzip, TarEntryFormat.Pax, leaveOpen: true);
        var manifest = new JsonObject
        {
            ["type"] = content.Type,
            ["created_at"] = content.CreatedAt.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ"),
            ["services"] = new JsonArray(content.Services.Select(s => (JsonNode)s.Name).ToArray()),
            ["volumes"] = new JsonArray(content.Volumes.Keys.Select(v => (JsonNode)v).ToArray()),
        };
        await Add(tar, "manifest.json", JsonSerializer.SerializeToUtf8Bytes(manifest), ct);
        if (content.Config is not null) await Add(tar, "config.json", JsonSerializer.SerializeToUtf8Bytes(content.Config), ct);
        foreach (var s in content.Services)
            await Add(tar, $"services/{s.Name}.json", JsonSerializer.SerializeToUtf8Bytes(s, FleetJson.Options), ct);
        foreach (var (name, data) in content.Volumes) await Add(tar, $"volumes/{name}.tar", data, ct);
    }

    public static async Task<BackupContent> ReadAsync(Stream input, CancellationToken ct = default)
    {
        await using var gzip = new GZipStream(input, CompressionMode.Decompress, leaveOpen: true);
        await using var tar = new TarReader(gzip, leaveOpen: true);
        JsonObject? manifest = null, config = null;
        var services = new List<ServiceDefinition>();
        var volumes = new Dictionary<string, byte[]>();
        try
        {
            while (await tar.GetNextEntryAsync(copyData: false, ct) is { } entry)
            {
                if (entry.EntryType is not (TarEntryType.RegularFile or TarEntryType.V7RegularFile) || entry.DataStream is null) continue;
                using var ms = new MemoryStream();
                await entry.DataStream.CopyToAsync(ms, ct);
                var bytes = ms.ToArray();
                switch (entry.Name)
                {
                    case "manifest.json": manifest = JsonNode.Parse(bytes)!.AsObject(); break;
                    case "config.json": config = JsonNode.Parse(bytes)!.AsObject(); break;
                    case var n when n.StartsWith("services/", StringComparison.Ordinal) && n.EndsWith(".json", StringComparison.Ordinal):
                        services.Add(JsonSerializer.Deserialize<ServiceDefinition>(bytes, FleetJson.Options)!);
                        break;
                    case var n when n.StartsWith("volumes/", StringComparison.Ordinal) && n.EndsWith(".tar", StringComparison.Ordinal):
                        volumes[n["volumes/".Length..^".tar".Length]] = bytes;
                        break;
                }
            }
        }
        catch (Exception e) when (e is InvalidDataException or EndOfStreamException or JsonException or FormatException)
        {
            throw HomeiErrors.Backup("The backup archive is damaged: " + e.Message, FleetErrorKind.Validation, e);
        }
        if (manifest is null) throw HomeiErrors.Backup("The backup archive has no manifest.json", FleetErrorKind.Validation);
        foreach (var s in services) ServiceSpecValidator.Validate(s);
        return new BackupContent(manifest["type"]?.GetValue<string>() ?? "full",
            DateTimeOffset.Parse(manifest["created_at"]!.GetValue<string>()), services, config, volumes);
    }

    /// <summary>The stored file name <c>&lt;name&gt;-&lt;yyyyMMdd-HHmmss&gt;.tar.gz</c> for a requested backup name.</summary>
    public static string FileName(string? requested, DateTimeOffset at)
    {
        var name = string.IsNullOrEmpty(requested) ? "backup" : requested;
        if (!BaseName().IsMatch(name)) throw FleetException.Validation("name", $"'{name}' is not a valid backup name (letters, digits, '_', '-', '.'; no path)");
        return $"{name}-{at.UtcDateTime:yyyyMMdd-HHmmss}.tar.gz";
    }

    /// <summary>A stored backup's name from a route: a plain file name ending in .tar.gz, never a path.</summary>
    public static string CheckStoredName(string? name)
    {
        if (string.IsNullOrEmpty(name) || !StoredName().IsMatch(name) || name.Contains(".."))
            throw FleetException.Validation("backup_name", $"'{name}' is not a backup name like 'name-20240115-100000.tar.gz'");
        return name;
    }

    private static async Task Add(TarWriter tar, string name, byte[] data, CancellationToken ct)
    {
        var entry = new PaxTarEntry(TarEntryType.RegularFile, name) { DataStream = new MemoryStream(data), Mode = UnixFileMode.UserRead | UnixFileMode.UserWrite };
        await tar.WriteEntryAsync(entry, ct);
    }

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9_-]{0,100}$")]
    private static partial Regex BaseName();

    [GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9_.-]{0,120}\.tar\.gz$")]
    private static partial Regex StoredName();
}
