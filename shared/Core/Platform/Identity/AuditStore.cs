using Fleet.Core.Platform.Storage;

namespace Fleet.Core.Platform.Identity;

/// <summary>The audit log's filters, as the Kubilitics seed names them.</summary>
public sealed record AuditQuery(string? UserId, string? ClusterId, string? Action, DateTimeOffset? Since, DateTimeOffset? Until);

/// <summary>
/// Table <c>platformAuditLog</c>, read newest first with time-range filters. PartitionKey is the
/// inverted ticks of the entry's UTC day (spreads writes, keeps days together), RowKey the
/// inverted ticks of the instant plus a unique suffix; both invert, so ascending key order is
/// newest first across partitions and since/until become RowKey range conditions.
/// </summary>
public sealed class AuditStore(FleetStorage storage)
{
    public const string Table = "platformAuditLog";
    private TableStore<AuditEntity> Store => storage.Table<AuditEntity>(Table);

    public async Task<AuditEntry> AddAsync(AuditEntry e, CancellationToken ct = default)
    {
        var entity = new AuditEntity
        {
            PartitionKey = InvertedTicks.Of(new DateTimeOffset(e.Timestamp.UtcDateTime.Date, TimeSpan.Zero)),
            RowKey = InvertedTicks.Of(e.Timestamp) + "-" + e.Id,
            Id = e.Id,
            At = e.Timestamp,
            UserId = e.UserId,
            Username = e.Username,
            ClusterId = e.ClusterId,
            Action = e.Action,
            ResourceKind = e.ResourceKind,
            ResourceNamespace = e.ResourceNamespace,
            ResourceName = e.ResourceName,
            StatusCode = e.StatusCode,
            RequestIp = e.RequestIp,
            Details = e.Details,
        };
        await Store.AddAsync(entity, ct: ct);
        return e;
    }

    /// <summary>One page, newest first; the token is opaque.</summary>
    public async Task<TablePage<AuditEntry>> QueryAsync(AuditQuery q, int limit, string? continuation, CancellationToken ct = default)
    {
        var page = await Store.QueryPageAsync(Filter(q), limit, continuation, ct);
        return new TablePage<AuditEntry>(page.Items.Select(i => i.ToEntry()).ToList(), page.ContinuationToken);
    }

    private static string? Filter(AuditQuery q)
    {
        var parts = new List<string>();
        if (q.UserId is { Length: > 0 }) parts.Add($"UserId eq '{Esc(q.UserId)}'");
        if (q.ClusterId is { Length: > 0 }) parts.Add($"ClusterId eq '{Esc(q.ClusterId)}'");
        if (q.Action is { Length: > 0 }) parts.Add($"Action eq '{Esc(q.Action)}'");
        // Inverted keys: "since" is an upper bound on the key, "until" a lower one.
        if (q.Since is { } since) parts.Add($"RowKey le '{InvertedTicks.Of(since)}~'");
        if (q.Until is { } until) parts.Add($"RowKey ge '{InvertedTicks.Of(until)}'");
        return parts.Count == 0 ? null : string.Join(" and ", parts);
    }

    private static string Esc(string s) => s.Replace("'", "''");
}
