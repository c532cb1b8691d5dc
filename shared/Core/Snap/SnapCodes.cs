using Fleet.Core.Platform.Errors;

namespace Fleet.Core.Snap;

/// <summary>SNAP's error codes (seeds/snap-api.md) and the exceptions that carry them.</summary>
public static class SnapCodes
{
    public const string AuthenticationFailed = "AUTHENTICATION_FAILED";
    public const string RegistryConnectionFailed = "REGISTRY_CONNECTION_FAILED";
    public const string CheckpointFailed = "CHECKPOINT_FAILED";
    public const string ValidationError = "VALIDATION_ERROR";

    /// <summary>The registry refused the credentials (401 on <c>/v2/</c>, or a token realm refusing them).</summary>
    public static FleetException RegistryAuthFailed(string registry) =>
        new(FleetErrorKind.Unauthenticated, $"The registry {registry} rejected the credentials", code: AuthenticationFailed);

    public static FleetException RegistryUnreachable(string registry, string why) =>
        new(FleetErrorKind.UpstreamUnreachable, $"Cannot connect to the registry {registry}: {why}", code: RegistryConnectionFailed);

    /// <summary>Rebuilds the exception a failed push reported (by code) on the caller's side.</summary>
    public static FleetException FromCode(string? code, string message, int status = 0) => status >= 400
        ? new(FleetErrorKindExtensions.FromStatusCode(status), message, code: code)
        : code switch
    {
        AuthenticationFailed => new(FleetErrorKind.Unauthenticated, message, code: code),
        RegistryConnectionFailed => new(FleetErrorKind.UpstreamUnreachable, message, code: code),
        ValidationError => new(FleetErrorKind.Validation, message, code: code),
        "NOT_FOUND" => new(FleetErrorKind.NotFound, message),
        _ => new(FleetErrorKind.UpstreamUnreachable, message, code: CheckpointFailed),
    };

    public static string CodeOf(FleetException e) => e.Code ?? e.Kind switch
    {
        FleetErrorKind.Unauthenticated => AuthenticationFailed,
        FleetErrorKind.Validation => ValidationError,
        FleetErrorKind.NotFound => "NOT_FOUND",
        FleetErrorKind.Conflict => "CONFLICT",
        FleetErrorKind.Forbidden => "PERMISSION_DENIED",
        FleetErrorKind.UpstreamUnreachable or FleetErrorKind.UpstreamTimeout => RegistryConnectionFailed,
        _ => CheckpointFailed,
    };
}
