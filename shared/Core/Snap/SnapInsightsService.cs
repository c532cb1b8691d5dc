using System.Formats.Tar;
using System.Text;
using System.Text.Json.Nodes;
using Fleet.Core.Platform.Errors;
using Microsoft.Extensions.Options;

namespace Fleet.Core.Snap;

/// <summary>
/// Insights from a real checkpoint archive in Blob storage: container, image and runtime from <c>config.dump</c> and
/// <c>spec.dump</c>; CRIU's dump statistics (<c>stats-dump</c>), process tree, task states, memory maps and open files
/// decoded by CRIU's own <c>crit</c>; command lines read from each process's dumped pages (its mm_arg area, located through
/// its pagemap); rootfs changes from <c>rootfs-diff.tar</c>; with <c>volatility</c>, a scan of the dumped memory
/// (<see cref="MemoryScanner"/>).
/// </summary>
public sealed class SnapInsightsService(SnapCheckpointService checkpoints, CritDecoder crit, IOptions<SnapOptions> options)
{
    public static readonly string[] AnalysisTypes = ["basic", "volatility"];
    private const int MaxListed = 500;

    public async Task<CheckpointInsights> AnalyzeAsync(string reference, string analysisType, CancellationToken ct)
    {
        if (!AnalysisTypes.Contains(analysisType))
            throw FleetException.Validation("analysis_type", $"analysis_type must be one of: {string.Join(", ", AnalysisTypes)}");
        var record = await checkpoints.ResolveAsync(reference, ct);
        CheckpointArchiveFiles files;
        await using (var archive = await checkpoints.OpenArchiveAsync(record, ct))
            files = await CheckpointArchiveFiles.ExtractAsync(archive, ct);
        using (files)
        {
            var config = ReadJson(files, "config.dump");
            var spec = ReadJson(files, "spec.dump");
            if (files.PathOf("checkpoint/pstree.img") is null || config is null)
                throw new FleetException(FleetErrorKind.Validation, "the archive is not a container checkpoint (no config.dump or checkpoint/pstree.img)",
                    "checkpoint_path", SnapErrors.CheckpointFailed);

            var pstreeTask = crit.EntriesAsync(files.PathOf("checkpoint/pstree.img")!, ct);
            var statsTask = Optional(files.PathOf("stats-dump"), ct);
            var filesTask = Optional(files.PathOf("checkpoint/files.img"), ct);
            var pstree = await pstreeTask;
            var tasks = pstree.OfType<JsonObject>().Select(e => ProcessAsync(files, e, ct)).ToList();
            var openFiles = FileTable(await filesTask);
            var processes = new List<ProcessData>();
            foreach (var t in tasks) processes.Add(await t);

            var tree = processes.Select(p => p.Insights(openFiles, processes)).ToList();
            var sockets = tree.SelectMany(p => p.OpenFiles).Where(f => f.Type.EndsWith("SK", StringComparison.Ordinal))
                .DistinctBy(f => (f.Type, f.Path)).ToList();
            var memory = new MemoryInsights(processes.Sum(p => p.Pagemap?.DumpedPages ?? 0), processes.Sum(p => p.Pagemap?.DumpedPages ?? 0) * CriuPagemap.PageSize,
                HumanSize(processes.Sum(p => p.Pagemap?.DumpedPages ?? 0) * CriuPagemap.PageSize), processes.Sum(p => p.VirtualBytes),
                processes.Sum(p => p.Vmas), CriuPagemap.PageSize);
            VolatilityReport? volatility = null;
            if (analysisType == "volatility") volatility = await ScanAsync(files, processes, ct);

            return new CheckpointInsights(true, record.Id, record.ArchivePath, analysisType, Container(config, spec), Stats(await statsTask),
                tree, memory, sockets, await RootfsAsync(files, ct), files.Entries.Take(MaxListed).ToList(), volatility);
        }
    }

    private async Task<JsonArray?> Optional(string? path, CancellationToken ct) => path is null ? null : await crit.EntriesAsync(path, ct);

    private static JsonObject? ReadJson(CheckpointArchiveFiles files, string name)
    {
        if (files.PathOf(name) is not { } path) return null;
        try { return JsonNode.Parse(File.ReadAllText(path)) as JsonObject; }
        catch (System.Text.Json.JsonException)
        {
            throw new FleetException(FleetErrorKind.Validation, $"{name} in the archive is not JSON", "checkpoint_path", SnapErrors.CheckpointFailed);
        }
    }

    private static ContainerInsights Container(JsonObject config, JsonObject? spec)
    {
        var annotations = spec?["annotations"] as JsonObject;
        string? A(string key) => Str(annotations?[key]);
        var engine = A("io.container.manager") == "libpod" || config["CreateCommand"] is not null ? "podman"
            : annotations?.Any(kv => kv.Key.StartsWith("io.kubernetes.cri-o.", StringComparison.Ordinal)) == true ? "cri-o"
            : A("io.container.manager");
        var args = (spec?["process"]?["args"] as JsonArray)?.Select(Str).OfType<string>().ToList() ?? [];
        var env = (spec?["process"]?["env"] as JsonArray)?.Select(Str).OfType<string>()
            .Select(e => e.Split('=', 2)[0]).Where(n => n.Length > 0).ToList() ?? [];
        return new ContainerInsights(
            A("io.kubernetes.container.name") ?? Str(config["name"]),
            Str(config["id"]),
            Str(config["rootfsImageName"]) ?? A("io.kubernetes.cri-o.ImageName") ?? Str(config["rootfsImage"]),
            Str(config["rootfsImageRef"]) ?? Str(config["rootfsImageID"]),
            Str(config["runtime"]) ?? Str(config["OCIRuntime"]),
            engine,
            Str(config["createdTime"]),
            Str(spec?["hostname"]),
            A("io.kubernetes.pod.name"),
            A("io.kubernetes.pod.namespace"),
            args,
            env);
    }

    private static CheckpointDumpStats Stats(JsonArray? entries)
    {
        var dump = entries?.FirstOrDefault()?["dump"];
        long? L(string k) => dump?[k] is JsonValue v && v.TryGetValue<long>(out var n) ? n : null;
        return new CheckpointDumpStats(L("freezing_time"), L("frozen_time"), L("memdump_time"), L("memwrite_time"), L("pages_scanned"),
            L("pages_written"), L("pages_skipped_parent"), L("pages_lazy"));
    }

    /// <summary>files.img: file id → (type, path or description).</summary>
    private static Dictionary<long, (string Type, string? Path)> FileTable(JsonArray? entries)
    {
        var table = new Dictionary<long, (string, string?)>();
        foreach (var e in entries?.OfType<JsonObject>() ?? [])
        {
            var type = Str(e["type"]) ?? "UNKNOWN";
            var id = (long)U(e["id"]);
            string? path = type switch
            {
                "REG" => Str(e["reg"]?["name"]),
                "PIPE" => $"pipe:[{U(e["pipe"]?["pipe_id"])}]",
                "INETSK" => Inet(e["isk"]),
                "UNIXSK" => Str(e["usk"]?["name"]) is { Length: > 0 } n ? "unix:" + n : "unix:[" + U(e["usk"]?["ino"]) + "]",
                _ => null,
            };
            table[id] = (type, path);
        }
        return table;
    }

    private static string Inet(JsonNode? isk)
    {
        string Addr(JsonNode? a) => a is JsonArray arr ? string.Join(":", arr.Select(x => x?.ToJsonString())) : "";
        return $"{Str(isk?["proto"]) ?? U(isk?["proto"]).ToString()} {Addr(isk?["src_addr"])}:{U(isk?["src_port"])} -> {Addr(isk?["dst_addr"])}:{U(isk?["dst_port"])} state {U(isk?["state"])}";
    }

    private sealed class ProcessData
    {
        public int Pid, Ppid, Pgid, Sid;
        public List<int> Threads = [];
        public string? Comm, State;
        public List<string> Cmdline = [];
        public int Vmas;
        public long VirtualBytes;
        public CriuPagemap? Pagemap;
        public List<(int Fd, long Id, string Type)> Fds = [];
        public (ulong Start, ulong End) Env;

        public ProcessInsights Insights(Dictionary<long, (string Type, string? Path)> files, List<ProcessData> all) => new(Pid, Ppid, Pgid, Sid,
            Threads, Comm, Cmdline, State, Vmas, VirtualBytes, Pagemap?.DumpedPages ?? 0,
            Fds.Select(f => new OpenFileInsights(f.Fd, files.TryGetValue(f.Id, out var x) ? x.Type : f.Type, files.TryGetValue(f.Id, out var y) ? y.Path : null)).ToList(),
            all.Where(p => p.Ppid == Pid && p.Pid != Pid).Select(p => p.Pid).ToList());
    }

    private async Task<ProcessData> ProcessAsync(CheckpointArchiveFiles files, JsonObject entry, CancellationToken ct)
    {
        var p = new ProcessData
        {
            Pid = (int)U(entry["pid"]), Ppid = (int)U(entry["ppid"]), Pgid = (int)U(entry["pgid"]), Sid = (int)U(entry["sid"]),
            Threads = (entry["threads"] as JsonArray)?.Select(t => (int)U(t)).ToList() ?? [],
        };
        var core = (await Optional(files.PathOf($"checkpoint/core-{p.Pid}.img"), ct))?.FirstOrDefault();
        p.Comm = Str(core?["tc"]?["comm"]);
        p.State = U(core?["tc"]?["task_state"]) switch { 1 => "alive", 2 => "dead", 3 => "stopped", 6 => "zombie", 0 => null, var s => s.ToString() };

        var mm = (await Optional(files.PathOf($"checkpoint/mm-{p.Pid}.img"), ct))?.FirstOrDefault();
        var vmas = (mm?["vmas"] as JsonArray)?.OfType<JsonObject>().ToList() ?? [];
        p.Vmas = vmas.Count;
        p.VirtualBytes = vmas.Sum(v => (long)(U(v["end"]) - U(v["start"])));
        p.Env = (U(mm?["mm_env_start"]), U(mm?["mm_env_end"]));

        if (files.PathOf($"checkpoint/pagemap-{p.Pid}.img") is { } pagemapPath)
        {
            try { p.Pagemap = CriuPagemap.Read(await File.ReadAllBytesAsync(pagemapPath, ct)); }
            catch (InvalidDataException e)
            {
                throw new FleetException(FleetErrorKind.Validation, $"pagemap-{p.Pid}.img: {e.Message}", "checkpoint_path", SnapErrors.CheckpointFailed);
            }
            var args = ReadMemory(files, p.Pagemap, U(mm?["mm_arg_start"]), U(mm?["mm_arg_end"]));
            if (args is not null) p.Cmdline = Encoding.UTF8.GetString(args).Split('\0', StringSplitOptions.RemoveEmptyEntries).ToList();
        }

        var ids = (await Optional(files.PathOf($"checkpoint/ids-{p.Pid}.img"), ct))?.FirstOrDefault();
        if (ids?["files_id"] is { } filesId && files.PathOf($"checkpoint/fdinfo-{U(filesId)}.img") is { } fdinfo)
            foreach (var fd in (await crit.EntriesAsync(fdinfo, ct)).OfType<JsonObject>())
                p.Fds.Add(((int)U(fd["fd"]), (long)U(fd["id"]), Str(fd["type"]) ?? "UNKNOWN"));
        return p;
    }

    private static byte[]? ReadMemory(CheckpointArchiveFiles files, CriuPagemap pagemap, ulong start, ulong end)
    {
        if (end <= start || end - start > 1024 * 1024) return null;
        if (files.PathOf($"checkpoint/pages-{pagemap.PagesId}.img") is not { } pagesPath) return null;
        using var pages = File.OpenRead(pagesPath);
        try { return pagemap.ReadMemory(pages, start, (int)(end - start)); }
        catch (EndOfStreamException) { return null; }
    }

    private async Task<VolatilityReport> ScanAsync(CheckpointArchiveFiles files, List<ProcessData> processes, CancellationToken ct)
    {
        var acc = new MemoryScanner.Accumulator();
        var budget = options.Value.VolatilityMaxBytes;
        var scannedPages = new HashSet<int>();
        foreach (var p in processes)
        {
            if (p.Pagemap is null) continue;
            if (ReadMemory(files, p.Pagemap, p.Env.Start, p.Env.End) is { } env) MemoryScanner.AddEnvironment(acc, p.Pid, env);
            if (!scannedPages.Add(p.Pagemap.PagesId) || files.PathOf($"checkpoint/pages-{p.Pagemap.PagesId}.img") is not { } path) continue;
            await using var pages = File.OpenRead(path);
            await MemoryScanner.ScanProcessAsync(acc, p.Pid, p.Comm, pages, Math.Max(0, budget - acc.BytesScanned), ct);
        }
        return MemoryScanner.Report(acc);
    }

    private static async Task<RootfsInsights> RootfsAsync(CheckpointArchiveFiles files, CancellationToken ct)
    {
        var changes = new List<RootfsEntry>();
        var count = 0;
        if (files.PathOf("rootfs-diff.tar") is { } diff)
        {
            try
            {
                await using var stream = File.OpenRead(diff);
                await using var reader = new TarReader(stream);
                while (await reader.GetNextEntryAsync(copyData: false, ct) is { } e)
                {
                    count++;
                    if (changes.Count < MaxListed)
                        changes.Add(new RootfsEntry("/" + e.Name.TrimStart('.', '/'), e.EntryType switch
                        {
                            TarEntryType.Directory => "directory",
                            TarEntryType.SymbolicLink => "symlink",
                            TarEntryType.HardLink => "hardlink",
                            TarEntryType.RegularFile or TarEntryType.V7RegularFile => "file",
                            var t => t.ToString().ToLowerInvariant(),
                        }, e.Length));
                }
            }
            catch (Exception e) when (e is InvalidDataException or FormatException or EndOfStreamException) { }
        }
        var deleted = new List<string>();
        if (files.PathOf("deleted.files") is { } del)
        {
            try { deleted = (JsonNode.Parse(await File.ReadAllTextAsync(del, ct)) as JsonArray)?.Select(Str).OfType<string>().Take(MaxListed).ToList() ?? []; }
            catch (System.Text.Json.JsonException) { }
        }
        return new RootfsInsights(count, changes, deleted);
    }

    private static string? Str(JsonNode? n) => n is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;

    private static ulong U(JsonNode? n) => n is JsonValue v && ulong.TryParse(v.ToJsonString(), out var u) ? u : 0;

    /// <summary>Sizes as the SNAP seed writes them ("150MB"): whole units from 10 up, one decimal below.</summary>
    public static string HumanSize(long bytes)
    {
        string[] units = ["B", "KB", "MB", "GB", "TB"];
        double value = bytes;
        var unit = 0;
        while (value >= 1024 && unit < units.Length - 1) { value /= 1024; unit++; }
        return unit == 0 ? $"{bytes}B" : value < 10 ? $"{value:0.#}{units[unit]}" : $"{value:0}{units[unit]}";
    }
}
