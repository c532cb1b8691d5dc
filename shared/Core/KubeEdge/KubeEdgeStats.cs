using Fleet.Core.Platform.Errors;
using Fleet.Core.Platform.Storage;

namespace Fleet.Core.KubeEdge;

/// <summary>Per-day counters (detections, command round trips) with ETag-guarded increments.</summary>
public sealed class KubeEdgeStats(FleetStorage storage)
{
    public const string Table = "kubeedgeStats";
    private TableStore<DailyStatsEntity> Rows => storage.Table<DailyStatsEntity>(Table);

    public static string Day(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd");

    public Task AddDetectionAsync(string clusterId, DateTimeOffset at, CancellationToken ct) =>
        ChangeAsync(clusterId, Day(at), e => e.Detections++, ct);

    public Task AddRoundTripAsync(string clusterId, DateTimeOffset at, long latencyMs, CancellationToken ct) =>
        ChangeAsync(clusterId, Day(at), e => { e.CommandRoundTrips++; e.CommandLatencyMsTotal += latencyMs; }, ct);

    public async Task<DailyStatsEntity> TodayAsync(string clusterId, CancellationToken ct)
    {
        await storage.EnsureTableAsync(Table, ct);
        return await Rows.GetAsync(clusterId, Day(DateTimeOffset.UtcNow), ct) ?? new DailyStatsEntity();
    }

    private async Task ChangeAsync(string clusterId, string day, Action<DailyStatsEntity> change, CancellationToken ct)
    {
        await storage.EnsureTableAsync(Table, ct);
        for (var attempt = 0; attempt < 20; attempt++)
        {
            var e = await Rows.GetAsync(clusterId, day, ct);
            try
            {
                if (e is null)
                {
                    e = new DailyStatsEntity { PartitionKey = clusterId, RowKey = day };
                    change(e);
                    await Rows.AddAsync(e, ct: ct);
                }
                else
                {
                    change(e);
                    await Rows.UpdateAsync(e, ct);
                }
                return;
            }
            catch (FleetException x) when (x.Kind == FleetErrorKind.Conflict)
            {
                await Task.Delay(Random.Shared.Next(5, 30), ct);
            }
        }
    }
}
