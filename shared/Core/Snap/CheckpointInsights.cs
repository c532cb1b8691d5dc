namespace Fleet.Core.Snap;

/// <summary>What <c>POST /checkpoint/insights</c> answers about one checkpoint archive.</summary>
public sealed record CheckpointInsights(
    bool Success,
    string CheckpointId,
    string CheckpointPath,
    string AnalysisType,
    ContainerInsights Container,
    CheckpointDumpStats Checkpoint,
    IReadOnlyList<ProcessInsights> ProcessTree,
    MemoryInsights Memory,
    IReadOnlyList<OpenFileInsights> Sockets,
    RootfsInsights RootfsChanges,
    IReadOnlyList<string> ArchiveFiles,
    VolatilityReport? Volatility);

/// <summary>From config.dump and spec.dump (CRI-O's or Podman's); environment variable names only, never values.</summary>
public sealed record ContainerInsights(
    string? Name,
    string? Id,
    string? Image,
    string? ImageId,
    string? Runtime,
    string? Engine,
    string? CreatedAt,
    string? Hostname,
    string? PodName,
    string? PodNamespace,
    IReadOnlyList<string> Command,
    IReadOnlyList<string> EnvironmentNames);

/// <summary>CRIU's dump statistics (stats-dump): times in microseconds, page counts.</summary>
public sealed record CheckpointDumpStats(
    long? FreezingTimeUs,
    long? FrozenTimeUs,
    long? MemdumpTimeUs,
    long? MemwriteTimeUs,
    long? PagesScanned,
    long? PagesWritten,
    long? PagesSkippedParent,
    long? PagesLazy);

public sealed record OpenFileInsights(int Fd, string Type, string? Path);

public sealed record ProcessInsights(
    int Pid,
    int Ppid,
    int Pgid,
    int Sid,
    IReadOnlyList<int> Threads,
    string? Comm,
    IReadOnlyList<string> Cmdline,
    string? State,
    int Vmas,
    long VirtualBytes,
    long DumpedPages,
    IReadOnlyList<OpenFileInsights> OpenFiles,
    IReadOnlyList<int> Children);

public sealed record MemoryInsights(long DumpedPages, long DumpedBytes, string DumpedSize, long VirtualBytes, int Vmas, int PageSize);

public sealed record RootfsEntry(string Path, string Type, long Size);

public sealed record RootfsInsights(int Count, IReadOnlyList<RootfsEntry> Changes, IReadOnlyList<string> Deleted);
