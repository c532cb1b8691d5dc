using System.Text.Json.Nodes;
using Fleet.Core.Kubernetes;
using Fleet.Core.Platform.Errors;
using k8s.Autorest;

namespace Fleet.Core.Kubilitics;

/// <summary>
/// Runs a call on a registered cluster (through its breaker and timeout) with the raw JSON client, and
/// turns the API server's Status answers into Fleet errors: 404 stays 404, 409 a conflict, 400/422 a 400
/// naming the field the server named, a server error a 502.
/// </summary>
public sealed class KubeCall(ClusterRegistry registry)
{
    public async Task<T> RunAsync<T>(string clusterId, Func<FleetKubernetes, CancellationToken, Task<T>> call, CancellationToken ct)
    {
        try
        {
            return await registry.ExecuteAsync(clusterId, (k, t) => call((FleetKubernetes)k, t), ct);
        }
        catch (HttpOperationException e)
        {
            throw Translate(e);
        }
    }

    public static FleetException Translate(HttpOperationException e, string? fieldPrefix = null)
    {
        var status = (int)e.Response.StatusCode;
        JsonObject? body = null;
        try { body = JsonNode.Parse(e.Response.Content ?? "") as JsonObject; }
        catch (System.Text.Json.JsonException) { }
        var message = body?["message"]?.GetValue<string>() ?? $"the Kubernetes API answered {status}";
        var field = (body?["details"]?["causes"] as JsonArray)?.OfType<JsonObject>()
            .Select(c => c["field"]?.GetValue<string>()).FirstOrDefault(f => !string.IsNullOrEmpty(f));
        if (fieldPrefix is not null) field = field is null ? fieldPrefix : $"{fieldPrefix}.{field}";
        return status switch
        {
            404 => FleetException.NotFound(message),
            409 => FleetException.Conflict(message),
            400 or 422 => new FleetException(FleetErrorKind.Validation, fieldPrefix is null ? message : $"{fieldPrefix}: {message}", field),
            410 => new FleetException(FleetErrorKind.Validation, "the continue token has expired; list again from the start", "continue"),
            401 => new FleetException(FleetErrorKind.UpstreamUnreachable, "the cluster refused Fleet's credentials (401)"),
            403 => new FleetException(FleetErrorKind.Forbidden, $"the cluster denied the request: {message}"),
            415 => new FleetException(FleetErrorKind.Validation, message, "Content-Type"),
            >= 500 => new FleetException(FleetErrorKind.UpstreamUnreachable, $"the Kubernetes API failed ({status}): {message}"),
            _ => new FleetException(FleetErrorKindExtensions.FromStatusCode(status), message, field),
        };
    }

    public static bool IsNotFound(HttpOperationException e) => (int)e.Response.StatusCode == 404;
}
