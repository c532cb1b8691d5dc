using Azure;
using Azure.Data.Tables;
using Fleet.Core.Platform.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Fleet.Core.Platform.Mesh;

/// <summary>A host of the fleet as <c>GET /api/hosts</c> shows it.</summary>
public sealed record FleetHostView(string HostId, string Machine, int ProcessId, DateTimeOffset StartedAt, DateTimeOffset LastSeen,
    bool Alive, bool Self, IReadOnlyList<string> Singletons);

/// <summary>
/// Every host writes a heartbeat row (<see cref="HostEntity"/>) every <see cref="Interval"/> with the singletons it runs, so
/// an operator (and a test) can see which host runs the timers and the pumps, and where they moved after a host died.
/// A host not seen for <see cref="AliveWindow"/> is shown as not alive; rows older than a day are not listed.
/// </summary>
public sealed class HostRegistry(FleetStorage storage, MeshTopics topics, HostIdentity host, LeaseBook book, TimeProvider clock,
    ILogger<HostRegistry> logger) : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(3);
    public static readonly TimeSpan AliveWindow = TimeSpan.FromSeconds(15);
    private readonly DateTimeOffset _started = clock.GetUtcNow();

    private TableClient Rows => storage.Tables.GetTableClient(HostEntity.Table);

    public async Task<IReadOnlyList<FleetHostView>> ListAsync(CancellationToken ct)
    {
        await storage.EnsureTableAsync(HostEntity.Table, ct);
        var now = clock.GetUtcNow();
        var hosts = new List<FleetHostView>();
        await foreach (var r in Rows.QueryAsync<HostEntity>(e => e.PartitionKey == topics.FleetName, cancellationToken: ct))
        {
            if (now - r.LastSeen > TimeSpan.FromDays(1)) continue;
            var alive = now - r.LastSeen <= AliveWindow;
            hosts.Add(new FleetHostView(r.RowKey, r.Machine, r.ProcessId, r.StartedAt, r.LastSeen, alive, r.RowKey == host.HostId,
                alive && r.Singletons.Length > 0 ? r.Singletons.Split(',') : []));
        }
        return [.. hosts.OrderByDescending(h => h.Alive).ThenBy(h => h.StartedAt)];
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await storage.EnsureTableAsync(HostEntity.Table, stoppingToken);
                await Rows.UpsertEntityAsync(new HostEntity
                {
                    PartitionKey = topics.FleetName, RowKey = host.HostId, Machine = Environment.MachineName, ProcessId = Environment.ProcessId,
                    StartedAt = _started, LastSeen = clock.GetUtcNow(), Singletons = string.Join(',', book.Held),
                }, TableUpdateMode.Replace, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested) { break; }
            catch (Exception e) { logger.LogDebug("Host heartbeat not written: {Message}", e.Message); }
            await Task.Delay(Interval, clock, stoppingToken).ContinueWith(_ => { });
        }
        // A host that stops cleanly leaves the list at once.
        try
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(3));
            await Rows.DeleteEntityAsync(topics.FleetName, host.HostId, ETag.All, cts.Token);
        }
        catch (Exception e) when (e is RequestFailedException or OperationCanceledException or HttpRequestException) { }
    }
}
