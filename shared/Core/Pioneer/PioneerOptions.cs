namespace Fleet.Core.Pioneer;

/// <summary>CloudPioneer's settings (configuration section <c>Pioneer</c>, e.g. <c>Pioneer__SampleInterval</c>).</summary>
public sealed class PioneerOptions
{
    public Prices Prices { get; set; } = new() { VcpuHour = 0.031611, MemoryGibHour = 0.004237, DiskGibMonth = 0.04, EdgeDeviceMonth = 1.0 };
    public List<PriceOverride> PriceOverrides { get; set; } = [];

    /// <summary>How often the sampler samples every resource (<c>Pioneer__SampleInterval</c>, default one minute).</summary>
    public TimeSpan SampleInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Days raw samples are kept before the sweep rolls them up to hourly averages.</summary>
    public int RawRetentionDays { get; set; } = 7;

    /// <summary>Days any sample (raw or hourly) is kept before the sweep deletes it.</summary>
    public int RetentionDays { get; set; } = 90;

    public PioneerKafkaOptions Kafka { get; set; } = new();
    public PioneerStreamOptions Streams { get; set; } = new();
}

/// <summary>The Kafka-protocol broker Fleet reads metrics from and publishes metric updates to.</summary>
public sealed class PioneerKafkaOptions
{
    /// <summary><c>host:port[,host:port]</c>; empty: no broker (<c>GET /kafka/metrics</c> answers 503, nothing is published).</summary>
    public string? BootstrapServers { get; set; }

    /// <summary>The topic every metric update is published to.</summary>
    public string Topic { get; set; } = "fleet.pioneer.metric-updates";

    /// <summary>The consumer groups whose committed offsets measure bytes_out_per_sec.</summary>
    public List<string> ConsumerGroups { get; set; } = [];

    /// <summary>How long one call to the broker may take.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The window the first reading of the rates measures over (later readings measure since the previous one).</summary>
    public TimeSpan RateWindow { get; set; } = TimeSpan.FromSeconds(1);
}

/// <summary>The WebSocket event streams' heartbeat and tokens (the seed: a ping every 30 s, a pong within 10 s).</summary>
public sealed class PioneerStreamOptions
{
    public TimeSpan PingInterval { get; set; } = TimeSpan.FromSeconds(30);
    public TimeSpan PongTimeout { get; set; } = TimeSpan.FromSeconds(10);
    public TimeSpan TokenLifetime { get; set; } = TimeSpan.FromMinutes(5);
}
