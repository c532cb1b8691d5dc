using System.Globalization;
using System.Text;
using Fleet.Core.Platform.Errors;
using Fleet.Core.Platform.Identity;
using Fleet.Functions.Platform.Auth;

namespace Fleet.Functions.Kubilitics;

/// <summary>Kubilitics <c>GET /v1/audit-log</c>: newest first, the seed's filters, paging, CSV export.</summary>
public static class KubiliticsAuditFunctions
{
    private static readonly string[] Columns =
        ["id", "timestamp", "user_id", "username", "cluster_id", "action", "resource_kind", "resource_namespace", "resource_name", "status_code", "request_ip", "details"];

    public static void MapKubiliticsAudit(this RouteGroupBuilder group) =>
        group.MapGet("/v1/audit-log", List).RequireRole(FleetRole.Admin).WithName("KubiliticsAuditLog").WithSummary("List audit log entries");

    private static async Task<IResult> List(HttpContext context, AuditStore audit, string? user_id, string? cluster_id, string? action,
        string? since, string? until, int? limit, string? @continue, string? format, CancellationToken ct)
    {
        var query = new AuditQuery(user_id, cluster_id, action, Time(since, "since"), Time(until, "until"));
        var page = await audit.QueryAsync(query, Math.Clamp(limit ?? 100, 1, 1000), @continue, ct);
        if (page.ContinuationToken is { } next) context.Response.Headers[KubiliticsUserFunctions.ContinueHeader] = next;
        if (!string.Equals(format, "csv", StringComparison.OrdinalIgnoreCase))
            return Results.Json(page.Items);

        var csv = new StringBuilder(string.Join(',', Columns)).Append('\n');
        foreach (var e in page.Items)
            csv.AppendJoin(',', new[]
            {
                e.Id, e.Timestamp.ToString("O", CultureInfo.InvariantCulture), e.UserId, e.Username, e.ClusterId, e.Action, e.ResourceKind,
                e.ResourceNamespace, e.ResourceName, e.StatusCode.ToString(CultureInfo.InvariantCulture), e.RequestIp, e.Details,
            }.Select(Cell)).Append('\n');
        context.Response.Headers.ContentDisposition = "attachment; filename=\"audit-log.csv\"";
        return Results.Text(csv.ToString(), "text/csv; charset=utf-8");
    }

    private static DateTimeOffset? Time(string? value, string field) =>
        value is null or "" ? null
        : DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t) ? t
        : long.TryParse(value, out var unix) ? DateTimeOffset.FromUnixTimeSeconds(unix)
        : throw FleetException.Validation(field, $"'{field}' must be an ISO 8601 timestamp or Unix seconds");

    /// <summary>RFC 4180 quoting; a leading formula character is neutralised so spreadsheets do not execute it.</summary>
    private static string Cell(string? v)
    {
        if (string.IsNullOrEmpty(v)) return "";
        if (v[0] is '=' or '+' or '-' or '@') v = "'" + v;
        return v.IndexOfAny([',', '"', '\n', '\r']) >= 0 ? "\"" + v.Replace("\"", "\"\"") + "\"" : v;
    }
}
