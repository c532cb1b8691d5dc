namespace Fleet.Durable.Tracking.AzureStorage;

/// <summary>Process-wide counts of Azure Storage queue operations done by the engine (all task hubs in this process),
/// so that benchmarks can relate the engine's message throughput to the storage account's raw queue throughput.
/// Counting is one interlocked increment per operation; read a value before and after a run and subtract.</summary>
public static class QueueMessageCounters
{
    private static long s_sent;
    private static long s_taskMessages;
    private static long s_received;
    private static long s_deleted;

    /// <summary>Gets the number of messages sent to control and work-item queues.</summary>
    public static long Sent => Interlocked.Read(ref s_sent);

    /// <summary>Gets the number of task messages (events: starts, work items, results) those queue messages carried; more than
    /// <see cref="Sent"/> when work items and their results travel in batches.</summary>
    public static long TaskMessagesSent => Interlocked.Read(ref s_taskMessages);

    /// <summary>Gets the number of messages received from control and work-item queues (redeliveries count again).</summary>
    public static long Received => Interlocked.Read(ref s_received);

    /// <summary>Gets the number of messages deleted after they were processed.</summary>
    public static long Deleted => Interlocked.Read(ref s_deleted);

    internal static void OnSent(int taskMessages)
    {
        Interlocked.Increment(ref s_sent);
        Interlocked.Add(ref s_taskMessages, taskMessages);
    }
    internal static void OnReceived(int count) => Interlocked.Add(ref s_received, count);
    internal static void OnDeleted() => Interlocked.Increment(ref s_deleted);
}
