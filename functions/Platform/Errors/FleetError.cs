using Fleet.Core.Platform.Errors;

namespace Fleet.Functions.Platform.Errors;

/// <summary>An error on its way to the client, before a family's envelope is put around it.</summary>
public sealed record FleetError(
    FleetErrorKind Kind,
    string Message,
    string? Field = null,
    string? Code = null,
    IReadOnlyDictionary<string, object?>? Details = null,
    int? RetryAfterSeconds = null)
{
    public int StatusCode => Kind.StatusCode();

    public static FleetError From(FleetException e) =>
        new(e.Kind, e.Message, e.Field, e.Code, e.Details, e.RetryAfterSeconds);

    /// <summary>The message a bare status code gets (no route, wrong method, auth middleware).</summary>
    public static FleetError ForStatus(int status) => FleetErrorKindExtensions.FromStatusCode(status) switch
    {
        FleetErrorKind.NotFound when status == 405 => new(FleetErrorKind.NotFound, "Method not allowed on this route"),
        FleetErrorKind.NotFound => new(FleetErrorKind.NotFound, "Route not found"),
        FleetErrorKind.Unauthenticated => new(FleetErrorKind.Unauthenticated, "Authentication required"),
        FleetErrorKind.Forbidden => new(FleetErrorKind.Forbidden, "Insufficient permissions"),
        FleetErrorKind.PayloadTooLarge => new(FleetErrorKind.PayloadTooLarge, "Request body too large"),
        FleetErrorKind.Internal => new(FleetErrorKind.Internal, "Internal server error"),
        var k => new(k, k.ToString()),
    };
}
