using Fleet.Core.Platform.Errors;

namespace Fleet.Core.Homei;

/// <summary>Homei's error codes (seed "Common Error Codes") on the platform's error model.</summary>
public static class HomeiErrors
{
    public static FleetException ServiceNotFound(string name) =>
        FleetException.NotFound($"Service '{name}' not found", "SERVICE_NOT_FOUND",
            new Dictionary<string, object?> { ["service_name"] = name });

    public static FleetException ContainerNotFound(string id) =>
        FleetException.NotFound($"Container '{id}' not found", "CONTAINER_NOT_FOUND",
            new Dictionary<string, object?> { ["container_id"] = id });

    public static FleetException Docker(string message, Exception? inner = null, FleetErrorKind kind = FleetErrorKind.UpstreamUnreachable) =>
        new(kind, message, code: "DOCKER_ERROR", inner: inner);

    public static FleetException Backup(string message, FleetErrorKind kind = FleetErrorKind.Internal, Exception? inner = null) =>
        new(kind, message, code: "BACKUP_ERROR", inner: inner);

    public static FleetException Update(string message, FleetErrorKind kind = FleetErrorKind.Internal, Exception? inner = null) =>
        new(kind, message, code: "UPDATE_ERROR", inner: inner);

    public static FleetException Config(string field, string message) =>
        new(FleetErrorKind.Validation, message, field, "CONFIG_ERROR");

    public static FleetException Validation(string field, string message) => FleetException.Validation(field, message);
}
