namespace Fleet.Core.Pioneer;

/// <summary>
/// One source's part of a sample tick: reads the source's resources (with usage and cost) and writes their samples
/// at the tick's time. Idempotent (a replayed tick overwrites the same rows), plain inputs: what an activity calls.
/// </summary>
public sealed class PioneerSampler(ResourceInventory inventory, MetricSeries series, MetricUpdates updates)
{
    public static readonly string[] Sources = ["homei", "kubeedge", "kube"];

    /// <summary>Writes the samples, then publishes them as metric updates (event bus and Kafka).</summary>
    public async Task<int> SampleSourceAsync(string source, DateTimeOffset at, CancellationToken ct)
    {
        var resources = await inventory.ReadSourceAsync(source, ct);
        var n = await series.WriteAsync(resources, at, ct);
        await updates.PublishAsync(resources, at, ct);
        return n;
    }
}
