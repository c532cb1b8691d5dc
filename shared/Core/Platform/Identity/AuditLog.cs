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
        // What callers sent is recorded as text storage can hold: an odd username (huge, NUL, a lone surrogate) is
        // audited, cut and with the unstorable characters replaced, instead of failing the write.
        var entry = new AuditEntry(Guid.NewGuid().ToString("N"), clock.GetUtcNow(), Storable(userId, 256), Storable(username, 256),
            Storable(clusterId, 256), Storable(action, 256)!, Storable(kind, 256), Storable(ns, 256), Storable(name, 1024), statusCode,
            Storable(requestIp, 64), Storable(details, 4096));
        try
        {
            await store.AddAsync(entry, ct);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogWarning("Audit entry {Action} {StatusCode} could not be written: {Error}", action, statusCode, e.GetType().Name);
        }
    }

    /// <summary>At most <paramref name="max"/> characters, control characters and lone surrogates as U+FFFD.</summary>
    public static string? Storable(string? value, int max)
    {
        if (value is null) return null;
        var cut = value.Length > max ? value[..max] + "…" : value;
        var chars = cut.ToCharArray();
        for (var i = 0; i < chars.Length; i++)
        {
            if (char.IsHighSurrogate(chars[i]) && i + 1 < chars.Length && char.IsLowSurrogate(chars[i + 1])) { i++; continue; }
            if (char.IsControl(chars[i]) || char.IsSurrogate(chars[i])) chars[i] = '\uFFFD';
        }
        return new string(chars);
    }
}
