using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using Fleet.Core.Platform.Storage;
using Fleet.Core.Platform.Time;
using Microsoft.Extensions.Options;

namespace Fleet.Core.KubeEdge;

/// <summary>A change to the config; null fields keep their value.</summary>
public sealed record KubeEdgeConfigChange(
    string? AdvertiseAddress = null, int? CloudhubPort = null, int? CloudhubHttpsPort = null, int? CloudstreamPort = null,
    int? TunnelPort = null, string? KubeedgeVersion = null, int? TokenExpiryHours = null, int? CommandTimeoutSeconds = null,
    string? MqttTopicPrefix = null);

/// <summary>The CloudCore config of the current cluster: app-setting defaults, overridden by what PUT /config stored.</summary>
public sealed class KubeEdgeConfigStore(FleetStorage storage, KubeEdgeScope scope, IOptions<KubeEdgeOptions> options)
{
    public const string Table = "kubeedgeConfig";
    private const string NoCluster = "none";
    private TableStore<KubeEdgeConfigEntity> Rows => storage.Table<KubeEdgeConfigEntity>(Table);

    public async Task<KubeEdgeConfig> GetAsync(CancellationToken ct)
    {
        var clusterId = await scope.TryClusterIdAsync(ct);
        return View(clusterId, await RowAsync(clusterId, ct));
    }

    public async Task<KubeEdgeConfig> UpdateAsync(KubeEdgeConfigChange change, CancellationToken ct)
    {
        var clusterId = await scope.TryClusterIdAsync(ct);
        var row = await RowAsync(clusterId, ct);
        var current = View(clusterId, row);
        var e = row ?? new KubeEdgeConfigEntity { PartitionKey = clusterId ?? NoCluster };
        e.AdvertiseAddress = change.AdvertiseAddress is null ? current.AdvertiseAddress : KubeEdgeValidation.Host(change.AdvertiseAddress, "advertise_address");
        e.CloudhubPort = KubeEdgeValidation.Range(change.CloudhubPort ?? current.CloudhubPort, 1, 65535, "cloudhub_port");
        e.CloudhubHttpsPort = KubeEdgeValidation.Range(change.CloudhubHttpsPort ?? current.CloudhubHttpsPort, 1, 65535, "cloudhub_https_port");
        e.CloudstreamPort = KubeEdgeValidation.Range(change.CloudstreamPort ?? current.CloudstreamPort, 1, 65535, "cloudstream_port");
        e.TunnelPort = KubeEdgeValidation.Range(change.TunnelPort ?? current.TunnelPort, 1, 65535, "tunnel_port");
        e.KubeedgeVersion = change.KubeedgeVersion is null ? current.KubeedgeVersion : KubeEdgeValidation.KubeEdgeVersion(change.KubeedgeVersion, "kubeedge_version");
        e.TokenExpiryHours = KubeEdgeValidation.Range(change.TokenExpiryHours ?? current.TokenExpiryHours, 1, 8760, "token_expiry_hours");
        e.CommandTimeoutSeconds = KubeEdgeValidation.Range(change.CommandTimeoutSeconds ?? current.CommandTimeoutSeconds, 1, 3600, "command_timeout_seconds");
        e.MqttTopicPrefix = change.MqttTopicPrefix is null ? current.MqttTopicPrefix : KubeEdgeValidation.TopicPrefix(change.MqttTopicPrefix, "mqtt_topic_prefix");
        e.UpdatedAt = DateTimeOffset.UtcNow;
        if (row is null) await Rows.AddAsync(e, "the config was created by another request; read it again and retry", ct);
        else await Rows.UpdateAsync(e, ct);
        return View(clusterId, e);
    }

    private async Task<KubeEdgeConfigEntity?> RowAsync(string? clusterId, CancellationToken ct)
    {
        await storage.EnsureTableAsync(Table, ct);
        return await Rows.GetAsync(clusterId ?? NoCluster, KubeEdgeConfigEntity.Row, ct);
    }

    private KubeEdgeConfig View(string? clusterId, KubeEdgeConfigEntity? e)
    {
        var o = options.Value;
        return e is null
            ? new KubeEdgeConfig(clusterId, o.AdvertiseAddress is { Length: > 0 } a ? a : HostAddress(), 10000, 10002, 10003, 10004,
                o.Version, o.TokenExpiryHours, o.CommandTimeoutSeconds, o.TopicPrefix, null)
            : new KubeEdgeConfig(clusterId, e.AdvertiseAddress, e.CloudhubPort, e.CloudhubHttpsPort, e.CloudstreamPort, e.TunnelPort,
                e.KubeedgeVersion, e.TokenExpiryHours, e.CommandTimeoutSeconds, e.MqttTopicPrefix, FleetTime.Format(e.UpdatedAt));
    }

    /// <summary>This host's first up, non-loopback IPv4: what edge nodes on the same network would dial.</summary>
    public static string HostAddress() =>
        NetworkInterface.GetAllNetworkInterfaces()
            .Where(n => n.OperationalStatus == OperationalStatus.Up && n.NetworkInterfaceType != NetworkInterfaceType.Loopback)
            .SelectMany(n => n.GetIPProperties().UnicastAddresses)
            .Select(a => a.Address)
            .FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork && !IPAddress.IsLoopback(a))?.ToString() ?? "127.0.0.1";
}
