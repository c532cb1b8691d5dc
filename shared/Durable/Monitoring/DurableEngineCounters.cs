namespace Fleet.Durable.Monitoring;

/// <summary>Process-wide counts of what the orchestration dispatcher did (all task hubs in this process), for tests and
/// benchmarks that check how several hosts shared one task hub. Read before and after a run and subtract.</summary>
public static class DurableEngineCounters
{
    private static long s_episodes;
    private static long s_conflicts;

    /// <summary>Gets the number of orchestration episodes whose checkpoint was committed by this process.</summary>
    public static long EpisodesCommitted => Interlocked.Read(ref s_episodes);

    /// <summary>Gets the number of checkpoints this process abandoned because another writer had changed the instance's
    /// sentinel row first (its ETag no longer matched): each is an episode that another host also ran.</summary>
    public static long SentinelConflicts => Interlocked.Read(ref s_conflicts);

    internal static void OnEpisodeCommitted() => Interlocked.Increment(ref s_episodes);
    internal static void OnSentinelConflict() => Interlocked.Increment(ref s_conflicts);
}
