using System.Collections.Concurrent;
using System.Net.Sockets;
using Fleet.Core.Platform.Errors;
using Fleet.Core.Platform.Mesh;
using k8s;
using k8s.Autorest;
using Microsoft.Extensions.Options;
using Polly;
using Polly.CircuitBreaker;
using Polly.Timeout;

namespace Fleet.Core.Kubernetes;

/// <summary>
/// One cached KubernetesClient per cluster, each behind its own circuit breaker and timeout
/// (Polly): a cluster that keeps failing is given a rest instead of a stream of slow calls, and
/// callers get the Kubilitics seed's 503, or 504 for a timeout, in place of a hang.
/// </summary>
public sealed class ClusterConnections(IOptions<KubernetesOptions> options, CacheInvalidation invalidation) : IDisposable
{
    public const string BreakerOpenMessage =
        "Cluster API is temporarily unavailable due to repeated failures. Circuit breaker is open. Please retry after 30 seconds.";

    private readonly ConcurrentDictionary<string, Connection> _connections = Wired(invalidation);

    /// <summary>The clients, dropped on every host when any host removes a cluster or changes its kubeconfig.</summary>
    private static ConcurrentDictionary<string, Connection> Wired(CacheInvalidation invalidation)
    {
        var connections = new ConcurrentDictionary<string, Connection>();
        invalidation.On(CacheScopes.Cluster, id => { if (connections.TryRemove(id, out var c)) c.Dispose(); });
        return connections;
    }

    private sealed record Connection(IKubernetes Client, ResiliencePipeline Pipeline, CircuitBreakerStateProvider Breaker, string Fingerprint) : IDisposable
    {
        public void Dispose() => Client.Dispose();
    }

    /// <summary>Runs <paramref name="call"/> against the cluster through its breaker and timeout.</summary>
    public async Task<T> ExecuteAsync<T>(string clusterId, KubernetesClientConfiguration configuration, string fingerprint,
        Func<IKubernetes, CancellationToken, Task<T>> call, CancellationToken ct)
    {
        var connection = _connections.AddOrUpdate(clusterId,
            _ => Create(configuration, fingerprint),
            (_, existing) =>
            {
                if (existing.Fingerprint == fingerprint) return existing;
                existing.Dispose();
                return Create(configuration, fingerprint);
            });
        try
        {
            return await connection.Pipeline.ExecuteAsync(async token => await call(connection.Client, token), ct);
        }
        catch (BrokenCircuitException)
        {
            throw new FleetException(FleetErrorKind.Unavailable, BreakerOpenMessage) { RetryAfterSeconds = (int)options.Value.BreakerBreakDuration.TotalSeconds };
        }
        catch (TimeoutRejectedException)
        {
            throw new FleetException(FleetErrorKind.UpstreamTimeout, "Request to the Kubernetes API timed out");
        }
        catch (TaskCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new FleetException(FleetErrorKind.UpstreamTimeout, "Request to the Kubernetes API timed out");
        }
        catch (HttpRequestException e)
        {
            throw new FleetException(FleetErrorKind.UpstreamUnreachable, $"Kubernetes API unreachable: {e.Message}");
        }
    }

    /// <summary>Forgets a cluster's client and breaker on every host (the cluster was removed or its kubeconfig changed).</summary>
    public Task ForgetAsync(string clusterId, CancellationToken ct) => invalidation.RaiseAsync(CacheScopes.Cluster, clusterId, ct);

    /// <summary>The breaker's state, for health and tests; null before the first call.</summary>
    public CircuitState? BreakerState(string clusterId) =>
        _connections.TryGetValue(clusterId, out var c) ? c.Breaker.CircuitState : null;

    private Connection Create(KubernetesClientConfiguration configuration, string fingerprint)
    {
        var o = options.Value;
        var breaker = new CircuitBreakerStateProvider();
        var pipeline = new ResiliencePipelineBuilder()
            .AddCircuitBreaker(new CircuitBreakerStrategyOptions
            {
                FailureRatio = o.BreakerFailureRatio,
                MinimumThroughput = o.BreakerMinimumThroughput,
                SamplingDuration = o.BreakerSamplingDuration,
                BreakDuration = o.BreakerBreakDuration,
                StateProvider = breaker,
                ShouldHandle = new PredicateBuilder().Handle<HttpRequestException>().Handle<SocketException>()
                    .Handle<TimeoutRejectedException>()
                    .Handle<TaskCanceledException>()
                    .Handle<HttpOperationException>(e => (int)e.Response.StatusCode >= 500),
            })
            .AddTimeout(o.RequestTimeout)
            .Build();
        return new Connection(new FleetKubernetes(configuration), pipeline, breaker, fingerprint);
    }

    public void Dispose()
    {
        foreach (var c in _connections.Values) c.Dispose();
        _connections.Clear();
    }
}
