using Confluent.Kafka;
using Fleet.Core.Platform.Errors;
using Microsoft.Extensions.Options;

namespace Fleet.Core.Pioneer;

/// <summary>
/// Fleet's clients of the broker named by <c>Pioneer__Kafka__BootstrapServers</c>: one admin client and one producer,
/// made on first use and kept for the host's life. No broker configured: <see cref="Configured"/> is false and
/// <see cref="Admin"/> throws a 503 that says so.
/// </summary>
public sealed class KafkaClients(IOptions<PioneerOptions> options) : IDisposable
{
    private readonly Lazy<IAdminClient> _admin = new(() => new AdminClientBuilder(Config(options.Value.Kafka)).Build());
    private readonly Lazy<IProducer<string, string>> _producer = new(() =>
        new ProducerBuilder<string, string>(new ProducerConfig(Config(options.Value.Kafka)) { LingerMs = 5, MessageTimeoutMs = 10000 }).Build());

    public PioneerKafkaOptions Options => options.Value.Kafka;
    public bool Configured => !string.IsNullOrWhiteSpace(options.Value.Kafka.BootstrapServers);

    public IAdminClient Admin => Configured ? _admin.Value : throw NotConfigured();
    public IProducer<string, string> Producer => Configured ? _producer.Value : throw NotConfigured();

    /// <summary>A short-lived consumer that reads by assignment (no group membership, no commits).</summary>
    public IConsumer<byte[], byte[]> Reader() => new ConsumerBuilder<byte[], byte[]>(new ConsumerConfig(Config(Options))
    {
        GroupId = "fleet-pioneer-reader", EnableAutoCommit = false, EnablePartitionEof = true,
    }).Build();

    public static FleetException NotConfigured() =>
        new(FleetErrorKind.Unavailable, "No Kafka broker is configured: set Pioneer__Kafka__BootstrapServers to the broker's host:port");

    private static ClientConfig Config(PioneerKafkaOptions o) => new()
    {
        BootstrapServers = o.BootstrapServers, SocketTimeoutMs = (int)o.Timeout.TotalMilliseconds, ClientId = "fleet-pioneer",
    };

    public void Dispose()
    {
        if (_producer.IsValueCreated)
        {
            _producer.Value.Flush(TimeSpan.FromSeconds(2));
            _producer.Value.Dispose();
        }
        if (_admin.IsValueCreated) _admin.Value.Dispose();
    }
}
