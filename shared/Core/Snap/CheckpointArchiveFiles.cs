using System.Formats.Tar;
using System.IO.Compression;
using System.Text.RegularExpressions;

namespace Fleet.Core.Snap;

/// <summary>
/// A checkpoint archive (tar, or gzip-compressed tar as Podman exports it) unpacked into a private temporary folder:
/// only regular files with plain names at the top level, in <c>checkpoint/</c> and in <c>artifacts/</c> are written (no
/// links, no traversal). Deleted with the object.
/// </summary>
public sealed partial class CheckpointArchiveFiles : IDisposable
{
    private CheckpointArchiveFiles(string root, IReadOnlyList<string> entries)
    {
        Root = root;
        Entries = entries;
    }

    public string Root { get; }

    /// <summary>Every entry name in the archive, as listed (directories end with '/').</summary>
    public IReadOnlyList<string> Entries { get; }

    public string? PathOf(string name)
    {
        var p = Path.Combine(Root, name);
        return File.Exists(p) ? p : null;
    }

    public IEnumerable<string> CheckpointImages(string prefix) =>
        Directory.Exists(Path.Combine(Root, "checkpoint"))
            ? Directory.EnumerateFiles(Path.Combine(Root, "checkpoint"), prefix + "*.img").Select(Path.GetFileName).OfType<string>()
            : [];

    public static async Task<CheckpointArchiveFiles> ExtractAsync(Stream archive, CancellationToken ct)
    {
        var root = Directory.CreateTempSubdirectory("fleet-snap-insights-").FullName;
        var entries = new List<string>();
        try
        {
            var head = new byte[2];
            var read = await archive.ReadAtLeastAsync(head, 2, throwOnEndOfStream: false, ct);
            Stream source = new PrefixedStream(head.AsMemory(0, read), archive);
            if (read == 2 && head[0] == 0x1f && head[1] == 0x8b) source = new GZipStream(source, CompressionMode.Decompress);
            await using var reader = new TarReader(source);
            while (await reader.GetNextEntryAsync(copyData: false, ct) is { } entry)
            {
                var name = entry.Name.StartsWith("./", StringComparison.Ordinal) ? entry.Name[2..] : entry.Name;
                entries.Add(name);
                if (entry.EntryType is not (TarEntryType.RegularFile or TarEntryType.V7RegularFile) || entry.DataStream is null) continue;
                if (!Wanted().IsMatch(name)) continue;
                var target = Path.Combine(root, name);
                Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                await using var file = File.Create(target);
                await entry.DataStream.CopyToAsync(file, ct);
            }
        }
        catch (Exception e) when (e is InvalidDataException or FormatException or EndOfStreamException)
        {
            Directory.Delete(root, recursive: true);
            throw new Platform.Errors.FleetException(Platform.Errors.FleetErrorKind.Validation,
                $"the checkpoint archive is not a readable tar archive: {e.Message}", "checkpoint_path", SnapErrors.CheckpointFailed);
        }
        catch
        {
            Directory.Delete(root, recursive: true);
            throw;
        }
        return new CheckpointArchiveFiles(root, entries);
    }

    public void Dispose()
    {
        try { Directory.Delete(Root, recursive: true); }
        catch (IOException) { }
    }

    [GeneratedRegex(@"^((checkpoint|artifacts)/)?[A-Za-z0-9_][A-Za-z0-9._-]{0,200}$")]
    private static partial Regex Wanted();

    /// <summary>The bytes already read to sniff the format, then the rest of the stream.</summary>
    private sealed class PrefixedStream(ReadOnlyMemory<byte> prefix, Stream rest) : Stream
    {
        private ReadOnlyMemory<byte> _prefix = prefix;

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken ct = default)
        {
            if (_prefix.Length == 0) return await rest.ReadAsync(buffer, ct);
            var n = Math.Min(buffer.Length, _prefix.Length);
            _prefix[..n].CopyTo(buffer);
            _prefix = _prefix[n..];
            return n;
        }

        public override int Read(byte[] buffer, int offset, int count)
        {
            if (_prefix.Length == 0) return rest.Read(buffer, offset, count);
            var n = Math.Min(count, _prefix.Length);
            _prefix[..n].CopyTo(buffer.AsMemory(offset));
            _prefix = _prefix[n..];
            return n;
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken ct) =>
            ReadAsync(buffer.AsMemory(offset, count), ct).AsTask();

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
