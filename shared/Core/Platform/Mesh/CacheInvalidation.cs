using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using Fleet.Core.Platform.Mqtt;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using MQTTnet;

namespace Fleet.Core.Platform.Mesh;

/// <summary>What a cache holds that a change makes stale.</summary>
public static class CacheScopes
{
    /// <summary>An API key (key: its id) was deleted.</summary>
    public const string ApiKey = "api-key";

    /// <summary>A user (key: user id) was deleted or changed role, or their cluster permissions changed.</summary>
    public const string User = "user";

    /// <summary>A cluster (key: cluster id) was removed or its kubeconfig changed.</summary>
    public const string Cluster = "cluster";
}

/// <summary>
/// Tells every host's caches that something changed: <see cref="RaiseAsync"/> runs this host's handlers at once and, with
/// the mesh on, publishes on <c>&lt;root&gt;/invalidate</c> so the other hosts run theirs (within the broker's latency, well
/// under a second). Handlers must be cheap and idempotent: a message may arrive twice.
/// </summary>
public sealed class CacheInvalidation(MqttConnection mqtt, MeshTopics topics, HostIdentity host, ILogger<CacheInvalidation> logger)
    : BackgroundService
{
    private readonly ConcurrentDictionary<string, List<Func<string, Task>>> _handlers = new();

    /// <summary>Registers what to forget when <paramref name="scope"/> changes for a key (from any host).</summary>
    public void On(string scope, Func<string, Task> handler)
    {
        var list = _handlers.GetOrAdd(scope, _ => []);
        lock (list) list.Add(handler);
    }

    public void On(string scope, Action<string> handler) => On(scope, key => { handler(key); return Task.CompletedTask; });

    public async Task RaiseAsync(string scope, string key, CancellationToken ct = default)
    {
        await RunAsync(scope, key);
        if (!topics.Enabled) return;
        var payload = JsonSerializer.Serialize(new Invalidation(scope, key, host.HostId));
        try
        {
            await mqtt.PublishAsync(topics.Invalidations, payload, ct: ct);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // The change itself is stored; other hosts fall back to their caches' own lifetimes.
            logger.LogWarning("Invalidation of {Scope} {Key} not sent to the other hosts: {Message}", scope, key, e.Message);
        }
    }

    private async Task RunAsync(string scope, string key)
    {
        if (!_handlers.TryGetValue(scope, out var list)) return;
        Func<string, Task>[] copy;
        lock (list) copy = [.. list];
        foreach (var h in copy)
        {
            try { await h(key); }
            catch (Exception e) { logger.LogError(e, "Invalidation handler for {Scope} failed", scope); }
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (topics.Enabled) await mqtt.SubscribeAsync(topics.Invalidations, OnMessage, stoppingToken);
    }

    private async Task OnMessage(MqttApplicationMessage m)
    {
        Invalidation? i;
        try { i = JsonSerializer.Deserialize<Invalidation>(Encoding.UTF8.GetString(m.Payload)); }
        catch (JsonException) { i = null; }
        if (i?.Scope is null || i.Key is null || i.Origin == host.HostId) return;
        await RunAsync(i.Scope, i.Key);
    }

    private sealed record Invalidation(string Scope, string Key, string Origin);
}
