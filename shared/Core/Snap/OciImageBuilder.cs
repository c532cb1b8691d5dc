using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using Fleet.Core.Platform.Errors;

namespace Fleet.Core.Snap;

/// <summary>What a checkpoint archive says about itself (its <c>config.dump</c> and <c>spec.dump</c>) and its digests.</summary>
public sealed record CheckpointArchiveInfo(string Digest, string DiffId, long Size, bool Gzip, string? ContainerName, string? ContainerId,
    string? RootfsImageName, string? RootfsImageId, string? Runtime, string Engine);

/// <summary>An OCI image ready to push: the config blob, the one layer (the archive itself) and the manifest.</summary>
public sealed record OciCheckpointImage(OciDescriptor Config, byte[] ConfigBytes, OciDescriptor Layer, byte[] ManifestBytes, string ManifestDigest,
    IReadOnlyDictionary<string, string> Annotations);

/// <summary>
/// Builds the image CRI-O restores a container from (and Podman's <c>--import</c> of a checkpoint image reads): a single layer
/// that is the checkpoint archive byte for byte, and the annotations naming the checkpointed container, its runtime, engine
/// and rootfs image. A gzip archive is a <c>tar+gzip</c> layer (its diff_id is the tar's digest), a plain one a <c>tar</c> layer.
/// </summary>
public static class OciImageBuilder
{
    public const string CheckpointNameAnnotation = "io.kubernetes.cri-o.annotations.checkpoint.name";
    public const string ConfigMediaType = "application/vnd.oci.image.config.v1+json";
    public const string TarLayer = "application/vnd.oci.image.layer.v1.tar";
    public const string GzipLayer = "application/vnd.oci.image.layer.v1.tar+gzip";

    /// <summary>Reads an archive (gzip or plain tar): digests, size and the metadata CRI-O and Podman write into it.</summary>
    public static async Task<CheckpointArchiveInfo> InspectAsync(string path, CancellationToken ct)
    {
        bool gzip;
        string digest;
        await using (var f = File.OpenRead(path))
        {
            var magic = new byte[2];
            gzip = await f.ReadAsync(magic, ct) == 2 && magic[0] == 0x1f && magic[1] == 0x8b;
            f.Position = 0;
            digest = "sha256:" + Convert.ToHexString(await SHA256.HashDataAsync(f, ct)).ToLowerInvariant();
        }
        var size = new FileInfo(path).Length;
        JsonNode? config = null, spec = null;
        string diffId;
        await using (var f = File.OpenRead(path))
        {
            await using Stream raw = gzip ? new GZipStream(f, CompressionMode.Decompress) : f;
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            await using var hashing = new HashingStream(raw, hash);
            try
            {
                await using var tar = new TarReader(hashing);
                while (await tar.GetNextEntryAsync(copyData: false, ct) is { } entry)
                {
                    var name = entry.Name.StartsWith("./", StringComparison.Ordinal) ? entry.Name[2..] : entry.Name;
                    if (entry.DataStream is null || entry.Length > 16 * 1024 * 1024) continue;
                    if (name == "config.dump") config = await ParseAsync(entry.DataStream, ct);
                    else if (name == "spec.dump") spec = await ParseAsync(entry.DataStream, ct);
                }
                var rest = new byte[81920];
                while (await hashing.ReadAsync(rest, ct) > 0) { }
            }
            catch (Exception e) when (e is InvalidDataException or FormatException or EndOfStreamException)
            {
                throw new FleetException(FleetErrorKind.Validation, "The checkpoint archive is not a readable tar (or tar.gz) file", "checkpoint",
                    code: SnapCodes.ValidationError);
            }
            diffId = "sha256:" + Convert.ToHexString(hash.GetHashAndReset()).ToLowerInvariant();
        }
        if (config is null)
            throw new FleetException(FleetErrorKind.Validation, "The archive has no config.dump: it is not a container checkpoint", "checkpoint",
                code: SnapCodes.ValidationError);
        var manager = spec?["annotations"]?["io.container.manager"]?.GetValue<string>();
        var engine = manager switch { "libpod" => "Podman", "cri-o" => "CRI-O", _ => "CRI-O" };
        return new CheckpointArchiveInfo(digest, diffId, size, gzip, Str(config, "name"), Str(config, "id"),
            Str(config, "rootfsImageName") ?? Str(config, "rootfsImageRef"), Str(config, "rootfsImageID") ?? Str(config, "rootfsImageRef"),
            Str(config, "runtime") ?? "runc", engine);
    }

    /// <summary>The image for <paramref name="archive"/>; <paramref name="containerName"/> wins over the archive's own name.</summary>
    public static OciCheckpointImage Build(CheckpointArchiveInfo archive, string? containerName, DateTimeOffset created)
    {
        var name = containerName ?? archive.ContainerName ?? "container";
        var annotations = new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            [CheckpointNameAnnotation] = name,
            ["org.criu.checkpoint.container.name"] = name,
            ["org.criu.checkpoint.engine.name"] = archive.Engine,
            ["org.criu.checkpoint.runtime.name"] = archive.Runtime ?? "runc",
            ["org.opencontainers.image.created"] = created.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ"),
        };
        if (archive.RootfsImageName is { } image) annotations["org.criu.checkpoint.rootfsImageName"] = image;
        if (archive.RootfsImageId is { } imageId) annotations["org.criu.checkpoint.rootfsImageID"] = imageId;
        if (archive.ContainerId is { } id) annotations["org.criu.checkpoint.container.id"] = id;

        var labels = new JsonObject();
        foreach (var (k, v) in annotations) labels[k] = v;
        var config = new JsonObject
        {
            ["created"] = created.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ"),
            ["architecture"] = "amd64",
            ["os"] = "linux",
            ["config"] = new JsonObject { ["Labels"] = labels },
            ["rootfs"] = new JsonObject { ["type"] = "layers", ["diff_ids"] = new JsonArray(archive.DiffId) },
            ["history"] = new JsonArray(new JsonObject
            {
                ["created"] = created.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ"),
                ["created_by"] = $"Fleet SNAP: checkpoint of {name}",
            }),
        };
        var configBytes = JsonSerializer.SerializeToUtf8Bytes(config);
        var configDescriptor = new OciDescriptor(ConfigMediaType, OciRegistryClient.Digest(configBytes), configBytes.Length);
        var layer = new OciDescriptor(archive.Gzip ? GzipLayer : TarLayer, archive.Digest, archive.Size);
        var manifestAnnotations = new JsonObject();
        foreach (var (k, v) in annotations) manifestAnnotations[k] = v;
        var manifest = new JsonObject
        {
            ["schemaVersion"] = 2,
            ["mediaType"] = OciRegistryClient.ManifestMediaType,
            ["config"] = Descriptor(configDescriptor),
            ["layers"] = new JsonArray(Descriptor(layer)),
            ["annotations"] = manifestAnnotations,
        };
        var manifestBytes = JsonSerializer.SerializeToUtf8Bytes(manifest);
        return new OciCheckpointImage(configDescriptor, configBytes, layer, manifestBytes, OciRegistryClient.Digest(manifestBytes), annotations);
    }

    private static JsonObject Descriptor(OciDescriptor d) => new() { ["mediaType"] = d.MediaType, ["digest"] = d.Digest, ["size"] = d.Size };

    private static string? Str(JsonNode node, string key) =>
        node[key] is JsonValue v && v.TryGetValue<string>(out var s) && s.Length > 0 ? s : null;

    private static async Task<JsonNode?> ParseAsync(Stream s, CancellationToken ct)
    {
        try
        {
            return await JsonNode.ParseAsync(s, cancellationToken: ct);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>Hashes what is read through it (the tar's bytes, for the layer's diff_id).</summary>
    private sealed class HashingStream(Stream inner, IncrementalHash hash) : Stream
    {
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count)
        {
            var n = inner.Read(buffer, offset, count);
            hash.AppendData(buffer, offset, n);
            return n;
        }
        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken ct = default)
        {
            var n = await inner.ReadAsync(buffer, ct);
            hash.AppendData(buffer.Span[..n]);
            return n;
        }
        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken ct) =>
            ReadAsync(buffer.AsMemory(offset, count), ct).AsTask();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
