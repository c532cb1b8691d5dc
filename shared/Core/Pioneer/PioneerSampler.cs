namespace Fleet.Core.Pioneer;

/// <summary>
/// One source's part of a sample tick: reads the source's resources (with usage and cost) and writes their samples
/// at the tick's time. Idempotent (a replayed tick overwrites the same rows), plain inputs: what an activity calls.
/// </summary>
public sealed class PioneerSampler(ResourceInventory inventory, MetricSeries series)
{
    public static readonly string[] Sources = ["homei", "kubeedge", "kube"];

    public async Task<int> SampleSourceAsync(string source, DateTimeOffset at, CancellationToken ct) =>
        await series.WriteAsync(await inventory.ReadSourceAsync(source, ct), at, ct);
}
