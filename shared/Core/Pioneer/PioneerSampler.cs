namespace Fleet.Core.Pioneer;

/// <summary>
/// One source's part of a sample tick: reads the source's resources (with usage and cost), writes their samples at
/// the tick's time (and the hourly rollups they fall in), applies the read to the inventory projection, then publishes
/// the samples. Idempotent (a replayed tick overwrites the same rows and finds the projection already as it left it),
/// plain inputs: what an activity calls.
/// </summary>
public sealed class PioneerSampler(ResourceInventory inventory, InventoryProjection projection, MetricSeries series, MetricUpdates updates)
{
    public static readonly string[] Sources = ResourceInventory.Sources;

    public async Task<int> SampleSourceAsync(string source, DateTimeOffset at, CancellationToken ct)
    {
        var read = await inventory.ReadSourceAsync(source, ct);
        var n = await series.WriteAsync(read.Resources, at, ct);
        await projection.ApplyAsync(read, ct);
        await updates.PublishAsync(read.Resources, at, ct);
        return n;
    }
}
