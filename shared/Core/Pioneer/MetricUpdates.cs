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

    // The latest sample of every resource on Prometheus' /metrics, for the Grafana dashboard (infra/grafana/).
    private static readonly string[] Labels = ["resource_id", "type"];
    private static readonly Prometheus.Gauge Cpu = Prometheus.Metrics.CreateGauge("fleet_resource_cpu_usage_percent",
        "CPU usage of a managed resource (percent of one vCPU, or of a node's capacity)", new Prometheus.GaugeConfiguration { LabelNames = Labels });
    private static readonly Prometheus.Gauge Memory = Prometheus.Metrics.CreateGauge("fleet_resource_memory_usage_bytes",
        "Memory usage of a managed resource in bytes", new Prometheus.GaugeConfiguration { LabelNames = Labels });
    private static readonly Prometheus.Gauge Disk = Prometheus.Metrics.CreateGauge("fleet_resource_disk_usage_percent",
        "Disk usage of a managed resource in percent", new Prometheus.GaugeConfiguration { LabelNames = Labels });
    private static readonly Prometheus.Gauge Cost = Prometheus.Metrics.CreateGauge("fleet_resource_cost_hourly",
        "Hourly cost of a managed resource from the price sheet", new Prometheus.GaugeConfiguration { LabelNames = Labels });

    public async Task PublishAsync(IReadOnlyList<PioneerResource> resources, DateTimeOffset at, CancellationToken ct)
    {
        var updates = resources.Select(r => (Resource: r, Update: MetricUpdate.From(r, at))).Where(u => u.Update.Data.Count > 0).ToList();
        foreach (var (r, _) in updates)
        {
            if (r.Metrics.CpuUsage is { } c) Cpu.WithLabels(r.Id, r.Type).Set(c);
            if (r.Metrics.MemoryUsage is { } m) Memory.WithLabels(r.Id, r.Type).Set(m);
            if (r.Metrics.DiskUsage is { } d) Disk.WithLabels(r.Id, r.Type).Set(d);
            Cost.WithLabels(r.Id, r.Type).Set(r.Cost.Hourly);
        }
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
