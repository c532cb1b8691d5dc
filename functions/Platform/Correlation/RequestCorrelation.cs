using System.Diagnostics;
using System.Text.RegularExpressions;

namespace Fleet.Functions.Platform.Correlation;

/// <summary>
/// Accepts and echoes <c>X-Request-ID</c> (a new one when absent or unsafe), returns the W3C trace
/// id as <c>X-Trace-ID</c>, and puts both on every log line of the request.
/// </summary>
public sealed partial class RequestCorrelation(RequestDelegate next, ILogger<RequestCorrelation> logger)
{
    public const string RequestIdHeader = "X-Request-ID";
    public const string TraceIdHeader = "X-Trace-ID";
    private const string ItemKey = "fleet.request_id";

    public static string RequestId(HttpContext context) =>
        context.Items.TryGetValue(ItemKey, out var id) && id is string s ? s : context.TraceIdentifier;

    public async Task InvokeAsync(HttpContext context)
    {
        var incoming = context.Request.Headers[RequestIdHeader].ToString();
        var requestId = SafeId().IsMatch(incoming) ? incoming : "req_" + Guid.NewGuid().ToString("N");
        context.Items[ItemKey] = requestId;

        // Hosting starts an Activity per request when anything listens; start one ourselves otherwise.
        Activity? own = null;
        if (Activity.Current is null) own = new Activity("Fleet.Request").SetIdFormat(ActivityIdFormat.W3C).Start();
        var traceId = Activity.Current!.TraceId.ToHexString();

        context.Response.OnStarting(() =>
        {
            context.Response.Headers[RequestIdHeader] = requestId;
            context.Response.Headers[TraceIdHeader] = traceId;
            return Task.CompletedTask;
        });
        using (logger.BeginScope(new Dictionary<string, object> { ["RequestId"] = requestId, ["TraceId"] = traceId }))
        {
            try { await next(context); }
            finally { own?.Stop(); }
        }
    }

    [GeneratedRegex(@"^[A-Za-z0-9._:\-]{1,128}$")]
    private static partial Regex SafeId();
}
