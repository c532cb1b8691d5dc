namespace Fleet.Core.Snap;

/// <summary>One run of dumped pages: <see cref="NrPages"/> pages from <see cref="Vaddr"/>, at <see cref="FileOffset"/> in pages-N.img.</summary>
public sealed record PagemapRun(ulong Vaddr, long NrPages, long FileOffset);

/// <summary>A process's pagemap: which pages-N.img holds its memory and where each run of pages lies in it.</summary>
public sealed record CriuPagemap(int PagesId, IReadOnlyList<PagemapRun> Runs)
{
    public const int PageSize = 4096;
    private const uint ImgCommonMagic = 0x54564319, PagemapMagic = 0x56084025;
    private const uint PeParent = 1, PePresent = 4;

    public long DumpedPages => Runs.Sum(r => r.NrPages);

    /// <summary>
    /// Reads pagemap-PID.img by CRIU's published definitions (images/pagemap.proto): after the two magics, each entry is a
    /// little-endian u32 length and a protobuf message; the first is <c>pagemap_head { pages_id = 1 }</c>, the rest
    /// <c>pagemap_entry { vaddr = 1; compat_nr_pages = 2; in_parent = 3; flags = 4; nr_pages = 5 (uint64, CRIU 4) }</c>.
    /// Pages that are present and not in a parent image follow one another in pages-{pages_id}.img. Debian 12's crit
    /// (CRIU 3.17) predates field 5 and reports 0 pages for CRIU 4 images, hence this reader.
    /// </summary>
    public static CriuPagemap Read(byte[] image)
    {
        var span = image.AsSpan();
        if (span.Length < 8 || BitConverter.ToUInt32(span) != ImgCommonMagic || BitConverter.ToUInt32(span[4..]) != PagemapMagic)
            throw new InvalidDataException("not a CRIU pagemap image");
        var pos = 8;
        int? pagesId = null;
        var runs = new List<PagemapRun>();
        long offset = 0;
        while (pos + 4 <= span.Length)
        {
            var len = (int)BitConverter.ToUInt32(span[pos..]);
            pos += 4;
            if (len < 0 || pos + len > span.Length) throw new InvalidDataException("truncated pagemap entry");
            var fields = Fields(span.Slice(pos, len));
            pos += len;
            if (pagesId is null)
            {
                pagesId = (int)fields.GetValueOrDefault(1UL);
                continue;
            }
            var nr = fields.TryGetValue(5, out var wide) ? (long)wide : (long)fields.GetValueOrDefault(2UL);
            var flags = fields.TryGetValue(4, out var f) ? f : PePresent;
            var inParent = fields.GetValueOrDefault(3UL) != 0 || (flags & PeParent) != 0;
            if ((flags & PePresent) == 0 || inParent) continue;
            runs.Add(new PagemapRun(fields.GetValueOrDefault(1UL), nr, offset));
            offset += nr * PageSize;
        }
        return new CriuPagemap(pagesId ?? throw new InvalidDataException("pagemap without head"), runs);
    }

    /// <summary>The varint fields of a protobuf message (pagemap messages have no other wire types).</summary>
    private static Dictionary<ulong, ulong> Fields(ReadOnlySpan<byte> message)
    {
        var fields = new Dictionary<ulong, ulong>();
        var i = 0;
        while (i < message.Length)
        {
            var key = Varint(message, ref i);
            var wire = key & 7;
            var number = key >> 3;
            switch (wire)
            {
                case 0: fields[number] = Varint(message, ref i); break;
                case 1: i += 8; break;
                case 5: i += 4; break;
                case 2: i += (int)Varint(message, ref i); break;
                default: throw new InvalidDataException($"unexpected wire type {wire} in pagemap entry");
            }
        }
        return fields;
    }

    private static ulong Varint(ReadOnlySpan<byte> b, ref int i)
    {
        ulong value = 0;
        for (var shift = 0; shift < 64 && i < b.Length; shift += 7)
        {
            var x = b[i++];
            value |= (ulong)(x & 0x7f) << shift;
            if ((x & 0x80) == 0) return value;
        }
        throw new InvalidDataException("bad varint in pagemap entry");
    }

    /// <summary>Bytes at [vaddr, vaddr+length) from the process's pages file, or null where a page was not dumped.</summary>
    public byte[]? ReadMemory(Stream pages, ulong vaddr, int length)
    {
        var result = new byte[length];
        var done = 0;
        while (done < length)
        {
            var at = vaddr + (ulong)done;
            var run = Runs.FirstOrDefault(r => at >= r.Vaddr && at < r.Vaddr + (ulong)(r.NrPages * PageSize));
            if (run is null) return null;
            var inRun = (long)(at - run.Vaddr);
            var take = (int)Math.Min(length - done, run.NrPages * PageSize - inRun);
            pages.Seek(run.FileOffset + inRun, SeekOrigin.Begin);
            pages.ReadExactly(result, done, take);
            done += take;
        }
        return result;
    }
}
