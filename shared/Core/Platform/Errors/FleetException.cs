namespace Fleet.Core.Platform.Errors;

/// <summary>
/// An error a service raises for the caller to see. The message is safe to show (no secrets,
/// no stack traces); <see cref="Field"/> names the offending input; <see cref="Code"/> lets a
/// family use a specific code of its seed (e.g. Homei's SERVICE_NOT_FOUND) instead of the kind's default.
/// </summary>
public class FleetException : Exception
{
    public FleetException(FleetErrorKind kind, string message, string? field = null, string? code = null,
        IReadOnlyDictionary<string, object?>? details = null, Exception? inner = null)
        : base(message, inner)
    {
        Kind = kind;
        Field = field;
        Code = code;
        Details = details;
    }

    public FleetErrorKind Kind { get; }
    public string? Field { get; }
    public string? Code { get; }
    public IReadOnlyDictionary<string, object?>? Details { get; }

    /// <summary>Seconds the client should wait (429, 503).</summary>
    public int? RetryAfterSeconds { get; init; }

    public static FleetException Validation(string field, string message, string? code = null) =>
        new(FleetErrorKind.Validation, message, field, code);

    public static FleetException NotFound(string message, string? code = null,
        IReadOnlyDictionary<string, object?>? details = null) =>
        new(FleetErrorKind.NotFound, message, code: code, details: details);

    public static FleetException Conflict(string message, string? code = null) =>
        new(FleetErrorKind.Conflict, message, code: code);
}
