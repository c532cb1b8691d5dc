namespace Fleet.Durable.Partitioning;

/// <summary>Decides which control-queue partitions this process polls. Each owned partition runs
/// <c>runPartition(partition, token)</c>; the token is canceled when ownership is lost (issue 4's blob leases plug in here).</summary>
internal interface IPartitionManager
{
    Task RunAsync(Func<int, CancellationToken, Task> runPartition, CancellationToken stopping);
}

/// <summary>Owns every partition: the single-host arrangement.</summary>
internal sealed class AllPartitionsManager(int partitionCount) : IPartitionManager
{
    public Task RunAsync(Func<int, CancellationToken, Task> runPartition, CancellationToken stopping)
        => Task.WhenAll(Enumerable.Range(0, partitionCount).Select(p => runPartition(p, stopping)));
}
