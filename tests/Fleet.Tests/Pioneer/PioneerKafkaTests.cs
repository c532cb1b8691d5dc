using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using Confluent.Kafka;
using Fleet.Functions.Platform.Auth;
using Fleet.Tests.Support;

namespace Fleet.Tests.Pioneer;

/// <summary>GET /kafka/metrics from the mock broker, and the metric updates Fleet publishes to its topic.</summary>
public sealed class PioneerKafkaTests(PioneerLiveFixture f) : IClassFixture<PioneerLiveFixture>
{
    private async Task<JsonNode> KafkaMetrics()
    {
        var r = await f.Viewer.GetAsync("/api/pioneer/kafka/metrics");
        var text = await r.Content.ReadAsStringAsync();
        Assert.True(r.StatusCode == HttpStatusCode.OK, text);
        return JsonNode.Parse(text)!;
    }

    [Fact]
    public async Task Kafka_metrics_come_from_the_broker_with_rates_from_its_watermarks()
    {
        var topic = $"fleet-rates-{f.U}";
        using var producer = new ProducerBuilder<string, string>(new ProducerConfig { BootstrapServers = f.Kafka }).Build();
        using var consumer = new ConsumerBuilder<string, string>(new ConsumerConfig { BootstrapServers = f.Kafka, GroupId = f.RatesGroup, EnableAutoCommit = false }).Build();
        await producer.ProduceAsync(topic, new Message<string, string> { Key = "k", Value = new string('x', 99) }); // 100 bytes, as every message here
        consumer.Assign(Enumerable.Range(0, 4).Select(p => new TopicPartitionOffset(topic, p, Offset.Beginning)));
        ConsumeAndCommit(consumer, 1);
        await KafkaMetrics(); // the baseline the next reading measures from

        await Task.Delay(300);
        for (var i = 0; i < 10; i++)
            await producer.ProduceAsync(topic, new Message<string, string> { Key = "k", Value = new string('x', 99) });
        ConsumeAndCommit(consumer, 10);
        var m = await KafkaMetrics();

        Assert.Equal(1, (int)m["broker_id"]!);                 // the mock cluster's one broker, its controller
        var x = m["metrics"]!;
        Assert.Equal(1, (int)x["active_controller_count"]!);
        Assert.Equal(0, (int)x["offline_partitions_count"]!);
        Assert.Equal(0, (int)x["under_replicated_partitions"]!);
        var messages = (double)x["messages_in_per_sec"]!;
        Assert.True(messages > 0, m.ToJsonString());
        Assert.Equal(100, (double)x["bytes_in_per_sec"]! / messages, 1); // ten new messages of 100 bytes each
        Assert.Equal((double)x["bytes_in_per_sec"]!, (double)x["bytes_out_per_sec"]!, 1); // and the group read all ten
    }

    private static void ConsumeAndCommit(IConsumer<string, string> consumer, int count)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        ConsumeResult<string, string>? last = null;
        for (var i = 0; i < count; i++)
        {
            last = consumer.Consume(timeout.Token);
            consumer.Commit(last);
        }
    }

    [Fact]
    public async Task A_metric_update_is_consumed_from_the_topic()
    {
        var at = await f.TickAsync();

        using var consumer = new ConsumerBuilder<string, string>(new ConsumerConfig
        {
            BootstrapServers = f.Kafka, GroupId = $"test-{f.U}", AutoOffsetReset = AutoOffsetReset.Earliest,
        }).Build();
        consumer.Subscribe(f.Topic);
        JsonNode? update = null;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (update is null)
        {
            var m = consumer.Consume(timeout.Token); // throws when the timeout passes with nothing of ours
            if (m.Message.Key == f.ResourceId) update = JsonNode.Parse(m.Message.Value);
        }
        consumer.Close();

        Assert.Equal("metric_update", (string?)update["event_type"]);
        Assert.Equal(f.ResourceId, (string?)update["resource_id"]);
        Assert.Equal(at.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture), (string?)update["timestamp"]);
        // The value published is the sample written: the 1m series holds the same one.
        var start = at.AddMinutes(-1).UtcDateTime.ToString("o", CultureInfo.InvariantCulture);
        var end = at.AddMinutes(1).UtcDateTime.ToString("o", CultureInfo.InvariantCulture);
        var r = await f.Viewer.GetAsync($"/api/pioneer/resources/{f.ResourceId}/metrics?interval=1m&metrics=memory_usage&start_time={Uri.EscapeDataString(start)}&end_time={Uri.EscapeDataString(end)}");
        var series = JsonNode.Parse(await r.Content.ReadAsStringAsync())!;
        Assert.True(series["metrics"]!["memory_usage"]!.AsArray().Count == 1, $"tick {at:o}: " + series.ToJsonString());
        var point = series["metrics"]!["memory_usage"]!.AsArray()[0]!;
        Assert.Equal((double)point["value"]!, (double)update["data"]!["memory_usage"]!, 1);
        Assert.True((double)update["data"]!["memory_usage"]! > 0);
        Assert.NotNull(update["data"]!["cpu_usage"]);
    }
}

/// <summary>No broker configured: the route says so with a 503 in CloudPioneer's envelope.</summary>
public sealed class PioneerKafkaUnconfiguredTests : IAsyncLifetime
{
    private FleetApp _app = null!;
    public async Task InitializeAsync() =>
        _app = await FleetApp.StartAsync(new Dictionary<string, string?> { ["RateLimits__Scale"] = "100", ["Pioneer__Kafka__BootstrapServers"] = "" });
    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task Kafka_metrics_without_a_broker_are_a_503_saying_so()
    {
        var r = await (await _app.LoginAsync(FleetRole.Viewer)).GetAsync("/api/pioneer/kafka/metrics");
        var text = await r.Content.ReadAsStringAsync();
        Assert.True(r.StatusCode == HttpStatusCode.ServiceUnavailable, text);
        var e = JsonNode.Parse(text)!;
        Assert.Contains("No Kafka broker is configured", (string?)e["error"]!["message"]);
        Assert.Contains("Pioneer__Kafka__BootstrapServers", (string?)e["error"]!["message"]);
        Assert.NotNull(e["request_id"]);
    }
}

/// <summary>The Grafana dashboard shipped in infra/grafana/ parses, and every metric it queries is on Fleet's /metrics.</summary>
public sealed class PioneerGrafanaTests(PioneerLiveFixture f) : IClassFixture<PioneerLiveFixture>
{
    [Fact]
    public async Task The_dashboard_parses_and_queries_only_metrics_fleet_exports()
    {
        var dashboard = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(Peers.RepoRoot, "infra", "grafana", "fleet-resources.json")))!;
        var exprs = dashboard["panels"]!.AsArray().SelectMany(p => p!["targets"]!.AsArray()).Select(t => (string)t!["expr"]!).ToList();
        Assert.True(exprs.Count >= 4);
        await f.TickAsync(); // the fixture's container gets its gauges
        Assert.Equal(HttpStatusCode.BadRequest, (await f.Viewer.GetAsync("/api/pioneer/resources?filter=colour:red")).StatusCode); // an error counted
        var text = await f.Viewer.GetStringAsync("/api/pioneer/metrics");
        Assert.Contains($"fleet_resource_memory_usage_bytes{{resource_id=\"{f.ResourceId}\",type=\"container\"}}", text);
        foreach (var name in exprs.SelectMany(e => System.Text.RegularExpressions.Regex.Matches(e, @"\b(?:fleet|http)_[a-z_]+").Select(m => m.Value)).Distinct())
            Assert.Contains("\n" + name, text); // a sample line of that metric (histogram buckets included)
    }
}
