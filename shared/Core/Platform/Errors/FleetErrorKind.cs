namespace Fleet.Core.Platform.Errors;

/// <summary>The one internal error model; each family writes it in its own envelope and codes.</summary>
public enum FleetErrorKind
{
    Validation,
    Unauthenticated,
    Forbidden,
    NotFound,
    Conflict,
    Locked,
    PayloadTooLarge,
    RateLimited,
    UpstreamUnreachable,
    UpstreamTimeout,
    Unavailable,
    Internal,
}

public static class FleetErrorKindExtensions
{
    public static int StatusCode(this FleetErrorKind kind) => kind switch
    {
        FleetErrorKind.Validation => 400,
        FleetErrorKind.Unauthenticated => 401,
        FleetErrorKind.Forbidden => 403,
        FleetErrorKind.NotFound => 404,
        FleetErrorKind.Conflict => 409,
        FleetErrorKind.PayloadTooLarge => 413,
        FleetErrorKind.Locked => 423,
        FleetErrorKind.RateLimited => 429,
        FleetErrorKind.UpstreamUnreachable => 502,
        FleetErrorKind.Unavailable => 503,
        FleetErrorKind.UpstreamTimeout => 504,
        _ => 500,
    };

    public static FleetErrorKind FromStatusCode(int status) => status switch
    {
        400 => FleetErrorKind.Validation,
        401 => FleetErrorKind.Unauthenticated,
        403 => FleetErrorKind.Forbidden,
        404 or 405 => FleetErrorKind.NotFound,
        409 or 412 => FleetErrorKind.Conflict,
        413 => FleetErrorKind.PayloadTooLarge,
        423 => FleetErrorKind.Locked,
        429 => FleetErrorKind.RateLimited,
        502 => FleetErrorKind.UpstreamUnreachable,
        503 => FleetErrorKind.Unavailable,
        504 => FleetErrorKind.UpstreamTimeout,
        >= 400 and < 500 => FleetErrorKind.Validation,
        _ => FleetErrorKind.Internal,
    };
}
