using Fleet.Core.Platform.Errors;
using Fleet.Core.Platform.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Fleet.Core.Snap;

/// <summary>A checkpoint archive in Blob storage.</summary>
public sealed record ArchiveBlob(string Container, string Name);

/// <summary>What a push orchestration carries: names and references only, never a credential.</summary>
public sealed record SnapPushRequest(string OperationId, string TaskName, ArchiveBlob Archive, string? ContainerName, RegistryRef Registry,
    string Repository, string Tag, DateTimeOffset Created);

/// <summary>The image about to be pushed (no secret in it): what the later steps need.</summary>
public sealed record SnapPushPlan(string Registry, string Repository, string Tag, OciDescriptor Layer, OciDescriptor Config,
    string ManifestDigest, string ManifestJson, string ContainerName);

/// <summary>
/// The steps of pushing a checkpoint image, each idempotent so an activity may run them again: prepare (fetch the archive,
/// build the image, check the credentials, push the config blob), push the layer (chunked, resuming where the registry's
/// upload stands), put the manifest (last, so a failed push leaves nothing a tag references), clean up.
/// </summary>
public sealed class SnapPushService(FleetStorage storage, RegistryTargets targets, OciHttp http, UploadLedger ledger, SnapProgress progress,
    IOptions<SnapPushOptions> options, ILogger<SnapPushService> log)
{
    public async Task<SnapPushPlan> PrepareAsync(SnapPushRequest r, CancellationToken ct)
    {
        Report(r, "preparing", 5, 0, 0, "Reading the checkpoint archive");
        var path = await LocalArchiveAsync(r, ct);
        var info = await OciImageBuilder.InspectAsync(path, ct);
        var image = OciImageBuilder.Build(info, r.ContainerName, r.Created);
        var client = http.Client(await targets.ResolveAsync(r.Registry, ct));
        await client.CheckAsync(ct);
        await client.PushBlobAsync(r.Repository, image.Config, () => new MemoryStream(image.ConfigBytes), options.Value.ChunkBytes, null,
            _ => Task.CompletedTask, null, ct);
        log.LogInformation("Checkpoint image {Repository}:{Tag} for {Operation}: layer {Layer} ({Size} bytes)", r.Repository, r.Tag,
            r.OperationId, image.Layer.Digest, image.Layer.Size);
        Report(r, "image_built", 10, 0, image.Layer.Size, $"Image built: layer {image.Layer.Digest}");
        return new SnapPushPlan(client.Target.Host, r.Repository, r.Tag, image.Layer, image.Config, image.ManifestDigest,
            System.Text.Encoding.UTF8.GetString(image.ManifestBytes), r.ContainerName ?? info.ContainerName ?? "container");
    }

    public async Task<BlobPushResult> PushLayerAsync(SnapPushRequest r, SnapPushPlan plan, CancellationToken ct)
    {
        var path = await LocalArchiveAsync(r, ct);
        var client = http.Client(await targets.ResolveAsync(r.Registry, ct));
        var resume = await ledger.GetAsync(r.OperationId, plan.Layer.Digest, ct);
        var total = plan.Layer.Size;
        var result = await client.PushBlobAsync(r.Repository, plan.Layer, () => File.OpenRead(path), options.Value.ChunkBytes, resume,
            location => ledger.SetAsync(r.OperationId, plan.Layer.Digest, location, CancellationToken.None),
            bytes => Report(r, "pushing_layer", 10 + (int)(80 * bytes / Math.Max(1, total)), bytes, total, $"Pushed {bytes} of {total} bytes"), ct);
        Report(r, "layer_pushed", 90, total, total, result.Skipped ? "The registry already holds the layer" : "Layer pushed");
        return result;
    }

    public async Task<string> PushManifestAsync(SnapPushRequest r, SnapPushPlan plan, CancellationToken ct)
    {
        var client = http.Client(await targets.ResolveAsync(r.Registry, ct));
        var digest = await client.PutManifestAsync(r.Repository, r.Tag, System.Text.Encoding.UTF8.GetBytes(plan.ManifestJson), ct);
        Report(r, "completed", 100, plan.Layer.Size, plan.Layer.Size, $"Pushed {plan.Registry}/{r.Repository}:{r.Tag}@{digest}");
        return digest;
    }

    /// <summary>After success or failure: abandon an unfinished upload, drop the local copy and the credential reference.</summary>
    public async Task CleanupAsync(SnapPushRequest r, string? layerDigest, bool failed, CancellationToken ct)
    {
        if (layerDigest is not null && await ledger.GetAsync(r.OperationId, layerDigest, ct) is { } location)
        {
            try
            {
                await http.Client(await targets.ResolveAsync(r.Registry, ct)).CancelUploadAsync(location, r.Repository, ct);
            }
            catch (FleetException)
            {
            }
            await ledger.SetAsync(r.OperationId, layerDigest, null, ct);
        }
        File.Delete(LocalPath(r));
        if (r.Registry.Kind == RegistryRef.CredentialKind) await targets.RevokeAsync(r.Registry, ct);
        if (failed) Report(r, "failed", 100, 0, 0, "The push failed; no manifest was written");
    }

    public void Report(SnapPushRequest r, string stage, int percent, long bytes, long total, string message) =>
        progress.Report(new SnapProgressUpdate(r.OperationId, r.TaskName, stage, percent, bytes, total, message));

    private string LocalPath(SnapPushRequest r) => Path.Combine(options.Value.WorkDirectory, r.OperationId + ".archive");

    /// <summary>The archive on local disk (fetched once per operation; a retry on another host fetches it again).</summary>
    private async Task<string> LocalArchiveAsync(SnapPushRequest r, CancellationToken ct)
    {
        var path = LocalPath(r);
        var blob = (await storage.ContainerAsync(r.Archive.Container, ct)).GetBlobClient(r.Archive.Name);
        if (!await blob.ExistsAsync(ct))
            throw FleetException.NotFound($"checkpoint archive '{r.Archive.Name}' not found");
        var size = (await blob.GetPropertiesAsync(cancellationToken: ct)).Value.ContentLength;
        if (File.Exists(path) && new FileInfo(path).Length == size) return path;
        Directory.CreateDirectory(options.Value.WorkDirectory);
        var partial = path + "." + Guid.NewGuid().ToString("N")[..8];
        await blob.DownloadToAsync(partial, ct);
        File.Move(partial, path, overwrite: true);
        return path;
    }
}
