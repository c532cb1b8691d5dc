using Azure;
using Azure.Data.Tables;
using Fleet.Core.Platform.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace Fleet.Core.Platform.Timers.Sweeps;

/// <summary>
/// Daily: deletes audit rows (table <c>platformAuditLog</c>) older than <c>Auth:AuditRetentionDays</c> (default 90).
/// Age is the row's storage Timestamp: audit rows are written once and never updated, so it is the time of
/// the entry, whatever the audit store names its own columns.
/// </summary>
public sealed class AuditLogRetention(FleetStorage storage, IConfiguration configuration, TimeProvider clock,
    ILogger<AuditLogRetention> log) : ITimerFunction
{
    public const string Table = "platformAuditLog";
    public const int DefaultRetentionDays = 90;

    public string Name => "AuditLogRetention";
    public string Schedule => "0 30 3 * * *";

    /// <summary>The table swept; tests point it at their own table.</summary>
    public string TableName { get; init; } = Table;

    public int RetentionDays => SweepSettings.Days(configuration, "Auth:AuditRetentionDays", DefaultRetentionDays);

    public async Task RunAsync(TimerInfo info, CancellationToken ct)
    {
        var cutoff = clock.GetUtcNow().AddDays(-RetentionDays);
        var table = storage.Tables.GetTableClient(TableName);
        var deleted = 0;
        try
        {
            var old = table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"Timestamp lt {cutoff}"),
                select: ["PartitionKey", "RowKey"], cancellationToken: ct);
            // Batches must stay within one partition and 100 operations.
            await foreach (var batch in Batches(old, ct))
            {
                await table.SubmitTransactionAsync(batch.Select(e => new TableTransactionAction(TableTransactionActionType.Delete, e, ETag.All)), ct);
                deleted += batch.Count;
            }
        }
        catch (RequestFailedException e) when (e.Status == 404 && e.ErrorCode == "TableNotFound")
        {
            // No audit log written yet: nothing to sweep.
        }
        log.LogInformation("Deleted {Count} audit rows older than {Cutoff:o}", deleted, cutoff);
    }

    private static async IAsyncEnumerable<List<TableEntity>> Batches(AsyncPageable<TableEntity> rows,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        var batch = new List<TableEntity>();
        await foreach (var e in rows.WithCancellation(ct))
        {
            if (batch.Count == 100 || (batch.Count > 0 && batch[0].PartitionKey != e.PartitionKey))
            {
                yield return batch;
                batch = [];
            }
            batch.Add(e);
        }
        if (batch.Count > 0) yield return batch;
    }
}
