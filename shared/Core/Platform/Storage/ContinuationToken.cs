using System.Security.Cryptography;
using System.Text;
using Fleet.Core.Platform.Errors;

namespace Fleet.Core.Platform.Storage;

/// <summary>
/// Table continuation tokens travel to clients as opaque base64url with a check suffix, so that callers cannot
/// depend on the storage layout behind them, and a garbage or truncated token is a 400 naming the parameter
/// instead of an empty page or a storage error.
/// </summary>
public static class ContinuationToken
{
    public static string? Encode(string? raw)
    {
        if (raw is null) return null;
        var payload = Base64Url(Encoding.UTF8.GetBytes(raw));
        return payload + "." + Check(payload);
    }

    public static string? Decode(string? token, string field = "continue")
    {
        if (string.IsNullOrEmpty(token)) return null;
        var invalid = FleetException.Validation(field, $"'{field}' is not a valid continuation token");
        var dot = token.LastIndexOf('.');
        if (token.Length > 4096 || dot <= 0 || token[(dot + 1)..] != Check(token[..dot])) throw invalid;
        try
        {
            var s = token[..dot].Replace('-', '+').Replace('_', '/');
            s = s.PadRight(s.Length + (4 - s.Length % 4) % 4, '=');
            return new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(Convert.FromBase64String(s));
        }
        catch (Exception e) when (e is FormatException or ArgumentException)
        {
            throw invalid;
        }
    }

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static string Check(string payload) => Base64Url(SHA256.HashData(Encoding.ASCII.GetBytes("fleet-continuation:" + payload))[..6]);
}
