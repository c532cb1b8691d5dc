using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Docker.DotNet;
using Docker.DotNet.Models;
using Fleet.Core.Platform.Errors;

namespace Fleet.Core.Homei;

public sealed record BackupInfo(string Name, DateTimeOffset CreatedAt, long Size, string Type);

/// <summary>What a restore touches, read from the archive's own content.</summary>
public sealed record BackupPlan(string Type, List<string> Services, List<string> Volumes);

/// <summary>
/// Homei backups: archives (<see cref="BackupArchive"/>) as blobs in container <c>homei-backups</c>, with
/// type and creation time as blob metadata so listing needs no download. Named volumes are read and
/// written through the engine with a short-lived helper container that mounts the volume, so this works
/// wherever dockerd runs, not only on its host's file system.
/// </summary>
public sealed class HomeiBackups(Fleet.Core.Platform.Storage.FleetStorage storage, ServiceStore services, HomeiConfigStore config,
    ContainerRuntime runtime)
{
    public const string Container = "homei-backups";
    public const string HelperImage = "local/busybox:1";
    private const string MountPoint = "/volume";

    private async Task<BlobClient> BlobAsync(string name, CancellationToken ct) =>
        (await storage.ContainerAsync(Container, ct)).GetBlobClient(name);

    public async Task<List<BackupInfo>> ListAsync(CancellationToken ct = default)
    {
        var list = new List<BackupInfo>();
        await foreach (var b in (await storage.ContainerAsync(Container, ct)).GetBlobsAsync(new GetBlobsOptions { Traits = BlobTraits.Metadata }, ct))
        {
            var created = b.Metadata.TryGetValue("created_at", out var c) && DateTimeOffset.TryParse(c, out var at)
                ? at : b.Properties.CreatedOn ?? DateTimeOffset.MinValue;
            list.Add(new BackupInfo(b.Name, created, b.Properties.ContentLength ?? 0, (b.Metadata.TryGetValue("type", out var t) ? t : "full")));
        }
        return list.OrderByDescending(b => b.CreatedAt).ToList();
    }

    public async Task<bool> ExistsAsync(string name, CancellationToken ct = default) =>
        (await (await BlobAsync(BackupArchive.CheckStoredName(name), ct)).ExistsAsync(ct)).Value;

    public async Task DeleteAsync(string name, CancellationToken ct = default)
    {
        var blob = await BlobAsync(BackupArchive.CheckStoredName(name), ct);
        if (!(await blob.DeleteIfExistsAsync(cancellationToken: ct)).Value) throw NotFound(name);
    }

    public static FleetException NotFound(string name) => HomeiErrors.Backup($"Backup '{name}' not found", FleetErrorKind.NotFound);

    /// <summary>Collects definitions, configuration and (full with data) named volumes and uploads the archive; rerunning overwrites the same blob.</summary>
    public async Task<long> CreateAsync(string fileName, string type, bool includeData, DateTimeOffset createdAt, CancellationToken ct = default)
    {
        var defs = await services.ListAsync(ct);
        var volumes = new Dictionary<string, byte[]>();
        if (type == "full" && includeData)
            foreach (var v in NamedVolumes(defs))
                volumes[v] = await ReadVolumeAsync(v, ct);
        var content = new BackupContent(type, createdAt, defs, await config.GetAsync(ct), volumes);
        using var ms = new MemoryStream();
        await BackupArchive.WriteAsync(ms, content, ct);
        ms.Position = 0;
        var blob = await BlobAsync(fileName, ct);
        try
        {
            await blob.UploadAsync(ms, new BlobUploadOptions
            {
                Metadata = new Dictionary<string, string>
                {
                    ["type"] = type,
                    ["created_at"] = createdAt.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ"),
                },
            }, ct);
        }
        catch (RequestFailedException e)
        {
            throw HomeiErrors.Backup("Storing the backup failed: " + e.Message, FleetErrorKind.UpstreamUnreachable, e);
        }
        return ms.Length;
    }

    public async Task<BackupContent> ReadAsync(string name, CancellationToken ct = default)
    {
        var blob = await BlobAsync(BackupArchive.CheckStoredName(name), ct);
        try
        {
            using var ms = new MemoryStream();
            await blob.DownloadToAsync(ms, ct);
            ms.Position = 0;
            return await BackupArchive.ReadAsync(ms, ct);
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            throw NotFound(name);
        }
    }

    public static List<string> NamedVolumes(IEnumerable<ServiceDefinition> defs) =>
        defs.SelectMany(d => d.Volumes).Select(VolumeMount.TryParse).Where(m => m is { IsNamed: true })
            .Select(m => m!.Source).Distinct().Order(StringComparer.Ordinal).ToList();

    /// <summary>Removes the containers of these services (volumes stay) so nothing writes to a volume being restored.</summary>
    public async Task StopServicesAsync(IEnumerable<string> names, CancellationToken ct = default)
    {
        foreach (var n in names) await runtime.RemoveAsync(n, ct);
    }

    /// <summary>Writes definitions and configuration as they were in the backup.</summary>
    public async Task RestoreDefinitionsAsync(BackupContent content, CancellationToken ct = default)
    {
        foreach (var d in content.Services) await services.UpsertAsync(d, ct);
        if (content.Config is not null) await config.ReplaceAsync(content.Config, ct: ct);
    }

    /// <summary>The volume's files as a tar whose entries sit under <c>volume/</c>.</summary>
    public async Task<byte[]> ReadVolumeAsync(string volume, CancellationToken ct = default) =>
        await WithHelper(volume, null, async id =>
        {
            var r = await runtime.Call(() => runtime.Client.Containers.GetArchiveFromContainerAsync(id,
                new GetArchiveFromContainerParameters { Path = MountPoint }, false, ct));
            await using var s = r.Stream;
            using var ms = new MemoryStream();
            await s.CopyToAsync(ms, ct);
            return ms.ToArray();
        }, ct);

    /// <summary>Empties the volume (creating it if missing; the globs also cover dot files) and extracts the tar from <see cref="ReadVolumeAsync"/> into it; rerunning gives the same result.</summary>
    public Task WriteVolumeAsync(string volume, byte[] tar, CancellationToken ct = default) =>
        WithHelper(volume, ["sh", "-c", $"cd {MountPoint} && rm -rf -- * .[!.]* ..?*"], async id =>
        {
            await runtime.Call(() => runtime.Client.Containers.ExtractArchiveToContainerAsync(id,
                new ContainerPathStatParameters { Path = "/", AllowOverwriteDirWithFile = false }, new MemoryStream(tar), ct));
            return true;
        }, ct);

    /// <summary>A helper container mounting the volume at <c>/volume</c>; with a command, it runs to completion first. Always removed after.</summary>
    private async Task<T> WithHelper<T>(string volume, IList<string>? run, Func<string, Task<T>> use, CancellationToken ct)
    {
        var created = await runtime.Call(() => runtime.Client.Containers.CreateContainerAsync(new CreateContainerParameters
        {
            Image = HelperImage,
            Cmd = run ?? ["true"],
            Labels = new Dictionary<string, string> { ["io.homei.backup-helper"] = volume },
            HostConfig = new HostConfig { Binds = [$"{volume}:{MountPoint}"] },
        }, ct));
        try
        {
            if (run is not null)
            {
                await runtime.StartAsync(created.ID, ct);
                var exit = await runtime.Call(() => runtime.Client.Containers.WaitContainerAsync(created.ID, ct));
                if (exit.StatusCode != 0) throw HomeiErrors.Backup($"Preparing volume '{volume}' failed (exit {exit.StatusCode})", FleetErrorKind.Internal);
            }
            return await use(created.ID);
        }
        finally
        {
            try
            {
                await runtime.Client.Containers.RemoveContainerAsync(created.ID, new ContainerRemoveParameters { Force = true }, CancellationToken.None);
            }
            catch (DockerApiException)
            {
                // Best effort: a leftover helper holds no data of its own.
            }
        }
    }
}
