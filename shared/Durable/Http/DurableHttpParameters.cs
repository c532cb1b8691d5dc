using System.Globalization;
using Microsoft.AspNetCore.Http;
using Microsoft.DurableTask.Client;

namespace Fleet.Durable.Http;

/// <summary>Query parameters and bodies of the management API, read as Durable Functions reads them: a value that does not
/// parse is ignored, except where the host could not honour it (a wait longer than a timer holds is a 400).</summary>
internal static class DurableHttpParameters
{
    /// <summary>The longest wait a request may ask for: what a cancellation timer can hold (int.MaxValue milliseconds).</summary>
    public static readonly TimeSpan MaxWait = TimeSpan.FromMilliseconds(int.MaxValue);

    public static bool? Flag(IQueryCollection q, string name) => bool.TryParse(q[name].FirstOrDefault(), out var b) ? b : null;

    public static int? Int(IQueryCollection q, string name)
        => int.TryParse(q[name].FirstOrDefault(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var i) ? i : null;

    public static DateTimeOffset? Time(IQueryCollection q, string name)
        => DateTimeOffset.TryParse(q[name].FirstOrDefault(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var t)
            ? t : null;

    /// <summary>A comma list of runtime statuses; unknown names are ignored.</summary>
    public static List<OrchestrationRuntimeStatus>? Statuses(IQueryCollection q)
    {
        var list = (q["runtimeStatus"].FirstOrDefault() ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(s => Enum.TryParse<OrchestrationRuntimeStatus>(s, true, out var parsed) ? parsed : (OrchestrationRuntimeStatus?)null)
            .OfType<OrchestrationRuntimeStatus>().ToList();
        return list.Count > 0 ? list : null;
    }

    /// <summary>Reads a number of seconds; absent or unparseable is no value, out of range (negative, not finite, beyond
    /// <see cref="MaxWait"/>) is an error.</summary>
    public static bool TryReadSeconds(IQueryCollection q, string name, out TimeSpan? value, out string? error)
    {
        value = null;
        error = null;
        if (!double.TryParse(q[name].FirstOrDefault(), NumberStyles.Float, CultureInfo.InvariantCulture, out double seconds)) return true;
        if (!double.IsFinite(seconds) || seconds < 0 || seconds > MaxWait.TotalSeconds)
        {
            error = $"The {name} parameter must be between 0 and {(long)MaxWait.TotalSeconds} seconds.";
            return false;
        }
        value = TimeSpan.FromSeconds(seconds);
        return true;
    }

    public static bool IsJsonContentType(string? contentType)
        => string.IsNullOrEmpty(contentType)
           || contentType.Split(';')[0].Trim() is var media && (media.Equals("application/json", StringComparison.OrdinalIgnoreCase)
               || media.EndsWith("+json", StringComparison.OrdinalIgnoreCase));

    public static async Task<(bool Ok, string? Json)> ReadJsonBodyAsync(HttpRequest request)
    {
        using var reader = new StreamReader(request.Body);
        string text = await reader.ReadToEndAsync(request.HttpContext.RequestAborted);
        if (string.IsNullOrWhiteSpace(text)) return (true, null);
        try
        {
            using var doc = System.Text.Json.JsonDocument.Parse(text);
            return (true, doc.RootElement.GetRawText());
        }
        catch (System.Text.Json.JsonException)
        {
            return (false, null);
        }
    }
}
