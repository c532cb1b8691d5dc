using Confluent.Kafka;
using Confluent.Kafka.Admin;
using Fleet.Core.Platform.Errors;
using Microsoft.Extensions.Logging;

namespace Fleet.Core.Pioneer;

public sealed record KafkaBrokerMetrics(double MessagesInPerSec, double BytesInPerSec, double BytesOutPerSec,
    int ActiveControllerCount, int OfflinePartitionsCount, int UnderReplicatedPartitions);

/// <summary>The seed's "Get Kafka Metrics" shape.</summary>
public sealed record KafkaMetricsView(int BrokerId, KafkaBrokerMetrics Metrics);

/// <summary>
/// Kafka metrics through the admin client. From the cluster's metadata: the controller (broker_id is the controller's id,
/// active_controller_count is 1 when the cluster has one), partitions without a leader (offline) and partitions whose
/// in-sync replicas are fewer than their replicas (under-replicated). Rates from the high watermarks of every
/// non-internal topic, measured between this reading and the previous one (within the sample interval; otherwise over
/// <see cref="PioneerKafkaOptions.RateWindow"/>): messages_in is the watermarks' advance per second, bytes_in the size
/// (key + value) of those messages read back, bytes_out the advance of the committed offsets of the consumer groups named
/// in <c>Pioneer__Kafka__ConsumerGroups</c> per second, priced at the latest measured average message size (Kafka's own
/// list of groups is not asked: librdkafka's ListGroups crashes against some brokers).
/// </summary>
public sealed class KafkaMetrics(KafkaClients clients, Microsoft.Extensions.Options.IOptions<PioneerOptions> options, TimeProvider time,
    ILogger<KafkaMetrics> log)
{
    /// <summary>At most this many new messages are read back to size a window; beyond it their average size is extrapolated.</summary>
    public const int MaxMessagesSized = 5000;

    private sealed record Snapshot(DateTimeOffset At, Dictionary<TopicPartition, long> HighWatermarks, Dictionary<(string, TopicPartition), long> Committed);

    private readonly SemaphoreSlim _gate = new(1, 1);
    private Snapshot? _previous;
    private double _lastAverageSize;
    private DateTimeOffset _describeUnsupportedUntil;

    public async Task<KafkaMetricsView> ReadAsync(CancellationToken ct)
    {
        if (!clients.Configured) throw KafkaClients.NotConfigured();
        var admin = clients.Admin;
        var timeout = clients.Options.Timeout;
        try
        {
            await _gate.WaitAsync(ct);
            try
            {
                var metadata = admin.GetMetadata(timeout);
                var controller = await ControllerAsync(admin, metadata, timeout);
                var partitions = metadata.Topics.Where(t => t.Error.Code == ErrorCode.NoError && !t.Topic.StartsWith("__", StringComparison.Ordinal))
                    .SelectMany(t => t.Partitions.Select(p => (t.Topic, p))).ToList();
                var offline = partitions.Count(x => x.p.Leader < 0 || x.p.Error.Code == ErrorCode.LeaderNotAvailable);
                var under = partitions.Count(x => x.p.InSyncReplicas.Length < x.p.Replicas.Length);
                var tps = partitions.Select(x => new TopicPartition(x.Topic, x.p.PartitionId)).ToList();

                var previous = _previous;
                var window = options.Value.SampleInterval;
                if (previous is null || time.GetUtcNow() - previous.At > window || time.GetUtcNow() - previous.At < TimeSpan.FromMilliseconds(200))
                {
                    previous = await SnapshotAsync(admin, tps, timeout, ct);
                    await Task.Delay(clients.Options.RateWindow, time, ct);
                }
                var now = await SnapshotAsync(admin, tps, timeout, ct);
                _previous = now;
                var seconds = Math.Max(0.001, (now.At - previous.At).TotalSeconds);

                long messages = 0, bytes = 0, sized = 0;
                foreach (var (tp, hw) in now.HighWatermarks)
                {
                    var from = previous.HighWatermarks.GetValueOrDefault(tp, hw);
                    if (hw > from) messages += hw - from;
                }
                if (messages > 0)
                {
                    (bytes, sized) = SizeNewMessages(previous, now, timeout, ct);
                    if (sized > 0) _lastAverageSize = (double)bytes / sized;
                    bytes = sized > 0 ? (long)Math.Round((double)bytes / sized * messages) : 0;
                }
                long consumed = 0;
                foreach (var (key, offset) in now.Committed)
                    if (previous.Committed.TryGetValue(key, out var before) && offset > before) consumed += offset - before;

                return new KafkaMetricsView(controller ?? metadata.OriginatingBrokerId, new KafkaBrokerMetrics(
                    Math.Round(messages / seconds, 2), Math.Round(bytes / seconds, 2), Math.Round(consumed * _lastAverageSize / seconds, 2),
                    controller is null ? 0 : 1, offline, under));
            }
            finally { _gate.Release(); }
        }
        catch (KafkaException e)
        {
            throw new FleetException(FleetErrorKind.UpstreamUnreachable, $"The Kafka broker did not answer: {e.Error.Reason}");
        }
    }

    /// <summary>
    /// The controller's id from DescribeCluster. A broker that cannot describe its cluster (older brokers, librdkafka's
    /// mock) is not asked again for ten minutes; then a cluster of one broker has that broker as its controller, and a
    /// larger one has none known.
    /// </summary>
    private async Task<int?> ControllerAsync(IAdminClient admin, Metadata metadata, TimeSpan timeout)
    {
        if (time.GetUtcNow() >= _describeUnsupportedUntil)
        {
            try
            {
                var cluster = await admin.DescribeClusterAsync(new DescribeClusterOptions { RequestTimeout = TimeSpan.FromTicks(Math.Min(timeout.Ticks, TimeSpan.FromSeconds(2).Ticks)) });
                if (cluster.Controller is { } c) return c.Id;
            }
            catch (KafkaException e)
            {
                log.LogDebug("The broker does not describe its cluster: {Message}", e.Error.Reason);
                _describeUnsupportedUntil = time.GetUtcNow().AddMinutes(10);
            }
        }
        return metadata.Brokers.Count == 1 ? metadata.Brokers[0].BrokerId : null;
    }

    private async Task<Snapshot> SnapshotAsync(IAdminClient admin, List<TopicPartition> tps, TimeSpan timeout, CancellationToken ct)
    {
        var at = time.GetUtcNow();
        var hw = new Dictionary<TopicPartition, long>();
        // One partition per request: librdkafka's mock broker misreads a ListOffsets of several.
        var results = await Task.WhenAll(tps.Select(tp => admin.ListOffsetsAsync(
            [new TopicPartitionOffsetSpec { TopicPartition = tp, OffsetSpec = OffsetSpec.Latest() }], new ListOffsetsOptions { RequestTimeout = timeout })));
        foreach (var i in results.SelectMany(r => r.ResultInfos).Select(i => i.TopicPartitionOffsetError)
                     .Where(i => i.Error.Code == ErrorCode.NoError && i.Offset.Value >= 0))
            hw[i.TopicPartition] = i.Offset.Value;
        var committed = new Dictionary<(string, TopicPartition), long>();
        foreach (var group in clients.Options.ConsumerGroups.Where(g => !string.IsNullOrWhiteSpace(g)).Distinct())
        {
            if (tps.Count == 0) break;
            ct.ThrowIfCancellationRequested();
            var offsets = await admin.ListConsumerGroupOffsetsAsync([new ConsumerGroupTopicPartitions(group, tps)],
                new ListConsumerGroupOffsetsOptions { RequestTimeout = timeout });
            foreach (var p in offsets.SelectMany(o => o.Partitions).Where(p => p.Offset.Value >= 0))
                committed[(group, p.TopicPartition)] = p.Offset.Value;
        }
        return new Snapshot(at, hw, committed);
    }

    /// <summary>Reads back the messages appended between the two snapshots (at most <see cref="MaxMessagesSized"/>) and sums their sizes.</summary>
    private (long Bytes, long Count) SizeNewMessages(Snapshot before, Snapshot after, TimeSpan timeout, CancellationToken ct)
    {
        var ranges = after.HighWatermarks
            .Select(kv => (Tp: kv.Key, From: before.HighWatermarks.GetValueOrDefault(kv.Key, kv.Value), To: kv.Value))
            .Where(r => r.To > r.From).ToList();
        using var consumer = clients.Reader();
        consumer.Assign(ranges.Select(r => new TopicPartitionOffset(r.Tp, r.From)));
        var open = ranges.ToDictionary(r => r.Tp, r => r.To);
        long bytes = 0, count = 0;
        var deadline = DateTime.UtcNow + timeout;
        while (open.Count > 0 && count < MaxMessagesSized && DateTime.UtcNow < deadline && !ct.IsCancellationRequested)
        {
            var m = consumer.Consume(TimeSpan.FromMilliseconds(200));
            if (m is null) continue;
            if (m.IsPartitionEOF || !open.TryGetValue(m.TopicPartition, out var end)) { open.Remove(m.TopicPartition); continue; }
            if (m.Offset.Value >= end) { open.Remove(m.TopicPartition); continue; }
            bytes += (m.Message.Key?.Length ?? 0) + (m.Message.Value?.Length ?? 0);
            count++;
            if (m.Offset.Value + 1 >= end) open.Remove(m.TopicPartition);
        }
        consumer.Close();
        return (bytes, count);
    }
}
