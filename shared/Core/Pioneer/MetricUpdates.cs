using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Confluent.Kafka;
using Fleet.Core.Platform.Events;
using Microsoft.Extensions.Logging;

namespace Fleet.Core.Pioneer;

/// <summary>The seed's WebSocket event: <c>{"event_type":"metric_update","timestamp","resource_id","data":{...}}</c>.</summary>
public sealed record MetricUpdate(string EventType, string Timestamp, string ResourceId, IReadOnlyDictionary<string, double> Data)
{
    public static MetricUpdate From(PioneerResource r, DateTimeOffset at) => new("metric_update",
        at.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture), r.Id, Values(r.Metrics));

    public static Dictionary<string, double> Values(ResourceMetrics m)
    {
        var d = new Dictionary<string, double>();
        if (m.CpuUsage is { } cpu) d["cpu_usage"] = cpu;
        if (m.MemoryUsage is { } mem) d["memory_usage"] = mem;
        if (m.DiskUsage is { } disk) d["disk_usage"] = disk;
        return d;
    }
}

/// <summary>
/// Every metric update the sampler writes goes to the host's event bus (family <c>pioneer</c>, type
/// <c>metric_update</c>: what the WebSocket streams read) and, when a broker is configured, to the Kafka topic
/// <c>Pioneer__Kafka__Topic</c> (key: the resource id, value: the seed's event JSON). A broker that fails costs
/// the Kafka copy only; the samples are already written.
/// </summary>
public sealed class MetricUpdates(IEventBus bus, KafkaClients kafka, ILogger<MetricUpdates> log)
{
    public const string Family = "pioneer";
    public const string EventType = "metric_update";

    public async Task PublishAsync(IReadOnlyList<PioneerResource> resources, DateTimeOffset at, CancellationToken ct)
    {
        var updates = resources.Select(r => (Resource: r, Update: MetricUpdate.From(r, at))).Where(u => u.Update.Data.Count > 0).ToList();
        foreach (var (r, u) in updates)
            bus.Publish(Family, EventType, new JsonObject
            {
                ["resource_id"] = r.Id, ["resource_type"] = r.Type,
                ["data"] = JsonSerializer.SerializeToNode(u.Data),
            }, at);
        if (!kafka.Configured || updates.Count == 0) return;
        try
        {
            var producer = kafka.Producer;
            var topic = kafka.Options.Topic;
            var sends = updates.Select(u => producer.ProduceAsync(topic, new Message<string, string>
            {
                Key = u.Resource.Id, Value = JsonSerializer.Serialize(u.Update, Platform.Json.FleetJson.Options),
            }, ct));
            await Task.WhenAll(sends).WaitAsync(kafka.Options.Timeout * 2, ct);
        }
        catch (Exception e) when (e is KafkaException or TimeoutException)
        {
            log.LogWarning("Metric updates not published to Kafka: {Message}", e.Message);
        }
    }
}
