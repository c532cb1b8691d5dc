using Microsoft.Extensions.Logging;

namespace Fleet.Core.Platform.Identity;

/// <summary>
/// Records audit entries. A failed write is logged and swallowed: the audit trail must not turn a
/// change that already happened into an error for the caller.
/// </summary>
public sealed class AuditLog(AuditStore store, TimeProvider clock, ILogger<AuditLog> logger)
{
    public async Task RecordAsync(string action, int statusCode, string? userId, string? username, string? requestIp,
        string? details = null, string? clusterId = null, string? kind = null, string? ns = null, string? name = null,
        CancellationToken ct = default)
    {
        var entry = new AuditEntry(Guid.NewGuid().ToString("N"), clock.GetUtcNow(), userId, username, clusterId, action,
            kind, ns, name, statusCode, requestIp, details);
        try
        {
            await store.AddAsync(entry, ct);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogWarning("Audit entry {Action} {StatusCode} could not be written: {Error}", action, statusCode, e.GetType().Name);
        }
    }
}
