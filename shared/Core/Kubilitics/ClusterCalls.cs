using Fleet.Core.Kubernetes;
using Fleet.Core.Platform.Errors;
using k8s;
using k8s.Autorest;

namespace Fleet.Core.Kubilitics;

/// <summary>
/// Calls a cluster through the registry (breaker, timeout) and turns the API server's own refusals into
/// the family's errors: its 404 is ours, its 400/422 a validation error, its 403 a forbidden, its 409 a conflict.
/// </summary>
public static class ClusterCalls
{
    public static async Task<T> RunAsync<T>(this ClusterRegistry registry, string clusterId,
        Func<IKubernetes, CancellationToken, Task<T>> call, CancellationToken ct)
    {
        try
        {
            return await registry.ExecuteAsync(clusterId, call, ct);
        }
        catch (HttpOperationException e)
        {
            throw Translate(e);
        }
    }

    public static FleetException Translate(HttpOperationException e)
    {
        var status = (int)e.Response.StatusCode;
        var message = StatusMessage(e) ?? $"the Kubernetes API answered {status}";
        return status switch
        {
            404 => FleetException.NotFound(message),
            400 or 422 => new FleetException(FleetErrorKind.Validation, message),
            401 or 403 => new FleetException(FleetErrorKind.Forbidden, $"the cluster refused the request: {message}"),
            409 => FleetException.Conflict(message),
            503 => new FleetException(FleetErrorKind.Unavailable, message),
            504 => new FleetException(FleetErrorKind.UpstreamTimeout, message),
            _ => new FleetException(FleetErrorKind.UpstreamUnreachable, $"the Kubernetes API answered {status}: {message}"),
        };
    }

    /// <summary>The message of a Kubernetes Status body, when the answer carried one.</summary>
    public static string? StatusMessage(HttpOperationException e)
    {
        try
        {
            var status = KubernetesJson.Deserialize<k8s.Models.V1Status>(e.Response.Content ?? "");
            return string.IsNullOrWhiteSpace(status?.Message) ? null : status.Message;
        }
        catch (Exception x) when (x is System.Text.Json.JsonException or ArgumentException)
        {
            return null;
        }
    }
}
