using System.Text.Json.Nodes;

namespace Fleet.KubeEmulator.Store;

/// <summary>An API error that the REST layer turns into a <c>kind: Status</c> body, as the real server does.</summary>
public sealed class ApiException(int code, string reason, string message, JsonObject? details = null) : Exception(message)
{
    public int Code { get; } = code;
    public string Reason { get; } = reason;
    public JsonObject? Details { get; } = details;

    public JsonObject ToStatus() => KubeStatus.Failure(Code, Reason, Message, Details?.DeepClone() as JsonObject);

    public static ApiException NotFound(string resource, string group, string name) =>
        new(404, "NotFound", $"{Qualified(resource, group)} \"{name}\" not found", Detail(resource, group, name));

    public static ApiException AlreadyExists(string resource, string group, string name) =>
        new(409, "AlreadyExists", $"{Qualified(resource, group)} \"{name}\" already exists", Detail(resource, group, name));

    public static ApiException Conflict(string resource, string group, string name) =>
        new(409, "Conflict",
            $"Operation cannot be fulfilled on {Qualified(resource, group)} \"{name}\": the object has been modified; please apply your changes to the latest version and try again",
            Detail(resource, group, name));

    public static ApiException Invalid(string kind, string group, string name, string field, string problem) =>
        new(422, "Invalid", $"{kind} \"{name}\" is invalid: {field}: {problem}",
            new JsonObject
            {
                ["name"] = name, ["group"] = group, ["kind"] = kind,
                ["causes"] = new JsonArray(new JsonObject { ["reason"] = "FieldValueInvalid", ["message"] = problem, ["field"] = field }),
            });

    public static ApiException BadRequest(string message) => new(400, "BadRequest", message);

    public static ApiException Gone(string message) => new(410, "Expired", message);

    public static ApiException MethodNotAllowed(string message) => new(405, "MethodNotAllowed", message);

    public static ApiException ResourceNotFound() =>
        new(404, "NotFound", "the server could not find the requested resource");

    private static string Qualified(string resource, string group) => group.Length == 0 ? resource : $"{resource}.{group}";

    private static JsonObject Detail(string resource, string group, string name)
    {
        var d = new JsonObject { ["name"] = name };
        if (group.Length > 0) d["group"] = group;
        d["kind"] = resource;
        return d;
    }
}

public static class KubeStatus
{
    public static JsonObject Failure(int code, string reason, string message, JsonObject? details = null)
    {
        var s = new JsonObject
        {
            ["kind"] = "Status", ["apiVersion"] = "v1", ["metadata"] = new JsonObject(),
            ["status"] = "Failure", ["message"] = message, ["reason"] = reason,
        };
        if (details is not null) s["details"] = details;
        s["code"] = code;
        return s;
    }

    public static JsonObject Success(string name, string group, string resource, string? uid)
    {
        var details = new JsonObject { ["name"] = name };
        if (group.Length > 0) details["group"] = group;
        details["kind"] = resource;
        if (uid is not null) details["uid"] = uid;
        return new JsonObject
        {
            ["kind"] = "Status", ["apiVersion"] = "v1", ["metadata"] = new JsonObject(),
            ["status"] = "Success", ["details"] = details,
        };
    }
}
