namespace Fleet.Core.Snap;

/// <summary>Checkpoint image pushes (section <c>Snap:Push</c>).</summary>
public sealed class SnapPushOptions
{
    /// <summary>Bytes per PATCH of a chunked blob upload; an interrupted push resumes at a chunk boundary.</summary>
    public int ChunkBytes { get; set; } = 5 * 1024 * 1024;

    /// <summary>How long a push route waits for the orchestration before answering 202 with its status links.</summary>
    public TimeSpan LongRunningWait { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>Where activities keep the archive they push (one file per operation, removed at the end).</summary>
    public string WorkDirectory { get; set; } = Path.Combine(Path.GetTempPath(), "fleet-snap-push");
}
