using System.Text;
using Fleet.Core.Platform.Errors;

namespace Fleet.Core.Platform.Storage;

/// <summary>
/// Table continuation tokens travel to clients as opaque base64url so that callers cannot
/// depend on (or tamper with) the storage layout behind them.
/// </summary>
public static class ContinuationToken
{
    public static string? Encode(string? raw) =>
        raw is null ? null : Convert.ToBase64String(Encoding.UTF8.GetBytes(raw)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public static string? Decode(string? token, string field = "continue")
    {
        if (string.IsNullOrEmpty(token)) return null;
        try
        {
            var s = token.Replace('-', '+').Replace('_', '/');
            s = s.PadRight(s.Length + (4 - s.Length % 4) % 4, '=');
            return Encoding.UTF8.GetString(Convert.FromBase64String(s));
        }
        catch (FormatException)
        {
            throw FleetException.Validation(field, $"'{field}' is not a valid continuation token");
        }
    }
}
