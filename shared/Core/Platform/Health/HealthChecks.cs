using Azure.Data.Tables;
using Docker.DotNet;
using Fleet.Core.Platform.Mqtt;
using Fleet.Core.Platform.Storage;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Fleet.Core.Platform.Health;

/// <summary>Storage is up when a table entity can be written and read back.</summary>
public sealed class StorageHealthCheck(FleetStorage storage) : IHealthCheck
{
    public const string Table = "platformHealth";

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken ct = default)
    {
        try
        {
            // A storage account that does not answer must not hold the health route for the SDK's whole retry budget.
            using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
            cts.CancelAfter(TimeSpan.FromSeconds(8));
            ct = cts.Token;
            await storage.EnsureTableAsync(Table, ct);
            var t = storage.Tables.GetTableClient(Table);
            var row = Environment.MachineName + "-" + Environment.ProcessId;
            await t.UpsertEntityAsync(new TableEntity("probe", row) { ["At"] = DateTimeOffset.UtcNow }, cancellationToken: ct);
            await t.GetEntityAsync<TableEntity>("probe", row, cancellationToken: ct);
            return HealthCheckResult.Healthy("connected");
        }
        catch (Exception e)
        {
            return HealthCheckResult.Unhealthy("disconnected", e);
        }
    }
}

/// <summary>MQTT is up when the host's client is connected to the broker.</summary>
public sealed class MqttHealthCheck(MqttConnection mqtt) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken ct = default)
    {
        try
        {
            using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
            cts.CancelAfter(TimeSpan.FromSeconds(3));
            await mqtt.EnsureConnectedAsync(cts.Token);
            return HealthCheckResult.Healthy("connected");
        }
        catch (Exception e)
        {
            return HealthCheckResult.Unhealthy("disconnected", e);
        }
    }
}

/// <summary>Docker is up when the engine answers a ping.</summary>
public sealed class DockerHealthCheck(Microsoft.Extensions.Options.IOptions<Docker.DockerOptions> options) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken ct = default)
    {
        try
        {
            using var client = options.Value.CreateClient();
            using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
            cts.CancelAfter(TimeSpan.FromSeconds(3));
            await client.System.PingAsync(cts.Token);
            return HealthCheckResult.Healthy("connected");
        }
        catch (Exception e)
        {
            return HealthCheckResult.Unhealthy("disconnected", e);
        }
    }
}
