using System.Text.Json.Nodes;
using Fleet.Core.Platform.Errors;
using Fleet.Functions.Platform.Http;

namespace Fleet.Functions.Platform.Errors;

/// <summary>
/// Each family's error envelope and codes, as its seed documents them. One internal model in,
/// five shapes out, so a client written against a seed parses our errors unchanged.
/// </summary>
public static class ErrorEnvelopes
{
    public static JsonObject Body(FleetFamily family, FleetError e, string requestId)
    {
        var message = e.Kind == FleetErrorKind.Internal ? $"Internal server error (request id {requestId})" : e.Message;
        return family switch
        {
            // Kubilitics: {"error":"..."}; the message itself names the field.
            FleetFamily.Kubilitics => new JsonObject { ["error"] = message },
            // SNAP: {"success":false,"error","details","code"}; details is a string there.
            FleetFamily.Snap => new JsonObject
            {
                ["success"] = false,
                ["error"] = message,
                ["details"] = SnapDetails(e, requestId),
                ["code"] = Code(family, e),
            },
            // Homei: {"error":{code,message,details},"timestamp"}.
            FleetFamily.Homei => new JsonObject
            {
                ["error"] = Nested(family, e, message, requestId),
                ["timestamp"] = DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ"),
            },
            // CloudPioneer (and KubeEdge, whose seed lists codes but shows no body; platform routes too):
            // {"error":{code,message,details},"request_id"}.
            _ => new JsonObject
            {
                ["error"] = Nested(family, e, message, requestId),
                ["request_id"] = requestId,
            },
        };
    }

    public static string Code(FleetFamily family, FleetError e)
    {
        if (e.Code is not null) return e.Code;
        if (family == FleetFamily.KubeEdge)
            return e.Kind switch
            {
                FleetErrorKind.Validation or FleetErrorKind.PayloadTooLarge => "API-001",
                FleetErrorKind.Unauthenticated or FleetErrorKind.Locked => "API-002",
                FleetErrorKind.Forbidden => "API-003",
                FleetErrorKind.NotFound => "API-004",
                FleetErrorKind.Conflict => "API-005",
                FleetErrorKind.RateLimited => "API-006",
                FleetErrorKind.UpstreamUnreachable or FleetErrorKind.UpstreamTimeout => "API-008",
                _ => "API-007",
            };
        return e.Kind switch
        {
            FleetErrorKind.Validation => "VALIDATION_ERROR",
            FleetErrorKind.Unauthenticated => family == FleetFamily.Snap ? "AUTHENTICATION_FAILED" : "UNAUTHORIZED",
            FleetErrorKind.Forbidden => family == FleetFamily.Snap ? "PERMISSION_DENIED" : "FORBIDDEN",
            FleetErrorKind.NotFound => family == FleetFamily.Pioneer ? "RESOURCE_NOT_FOUND" : "NOT_FOUND",
            FleetErrorKind.Conflict => "CONFLICT",
            FleetErrorKind.Locked => "ACCOUNT_LOCKED",
            FleetErrorKind.PayloadTooLarge => "PAYLOAD_TOO_LARGE",
            FleetErrorKind.RateLimited => "RATE_LIMIT_EXCEEDED",
            FleetErrorKind.UpstreamUnreachable => "UPSTREAM_UNREACHABLE",
            FleetErrorKind.UpstreamTimeout => "UPSTREAM_TIMEOUT",
            FleetErrorKind.Unavailable => "SERVICE_UNAVAILABLE",
            _ => "INTERNAL_ERROR",
        };
    }

    private static JsonObject Nested(FleetFamily family, FleetError e, string message, string requestId)
    {
        var details = new JsonObject();
        if (e.Field is not null) details["field"] = e.Field;
        if (e.Details is not null)
            foreach (var (k, v) in e.Details) details[k] = v is null ? null : JsonValue.Create(v.ToString());
        if (e.Kind == FleetErrorKind.Internal || family == FleetFamily.Homei) details["request_id"] = requestId;
        return new JsonObject { ["code"] = Code(family, e), ["message"] = message, ["details"] = details };
    }

    private static string SnapDetails(FleetError e, string requestId)
    {
        var parts = new List<string>();
        if (e.Field is not null) parts.Add($"field: {e.Field}");
        if (e.Details is not null) parts.AddRange(e.Details.Select(d => $"{d.Key}: {d.Value}"));
        parts.Add($"request_id: {requestId}");
        return string.Join("; ", parts);
    }
}
