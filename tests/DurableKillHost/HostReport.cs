using Fleet.Durable.Hosting;
using Fleet.Durable.Monitoring;
using Fleet.Durable.Partitioning;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Fleet.Durable.KillHost;

/// <summary>What the host tells its test on stdout: <c>ready</c>; <c>activity {instance} {key}</c> and
/// <c>episode {instance} {step}</c> as work runs; for peers, <c>owned {partitions}</c> whenever that changes; and
/// <c>stats owned={partitions} episodes={n} conflicts={n}</c> in answer to a <c>stats</c> line on stdin.
/// The host stops when stdin closes, so that it never outlives its test.</summary>
internal static class HostReport
{
    public static void Line(string line) => Console.Out.WriteLine(line); // Console.Out is synchronized and flushes each line.

    public static async Task ServeAsync(IHost host, bool peer)
    {
        Func<string> owned = peer ? OwnedPartitions(host.Services) : () => "";
        using var stop = new CancellationTokenSource();
        Task watch = peer ? WatchOwnershipAsync(owned, stop.Token) : Task.CompletedTask;
        while (await Console.In.ReadLineAsync() is { } command)
            if (command == "stats")
                Line($"stats owned={owned()} episodes={DurableEngineCounters.EpisodesCommitted} conflicts={DurableEngineCounters.SentinelConflicts}");
        stop.Cancel();
        await watch;
    }

    private static async Task WatchOwnershipAsync(Func<string> owned, CancellationToken stop)
    {
        string last = "";
        while (!stop.IsCancellationRequested)
        {
            string now = owned();
            if (now != last) Line($"owned {last = now}");
            await Task.Delay(100, CancellationToken.None);
        }
    }

    /// <summary>The control-queue partitions this host owns: Fleet's blob-lease manager, or the stock provider's control queues.</summary>
    private static Func<string> OwnedPartitions(IServiceProvider services)
    {
        var hub = services.GetRequiredService<DurableTaskHub>();
        if (hub.Fleet is { } fleet)
        {
            var leases = (BlobLeasePartitionManager)fleet.Partitions;
            return () => string.Join(',', leases.OwnedPartitions.Order());
        }
        // The stock provider keeps its owned control queues internal: read them by reflection (a test host only).
        var stock = hub.Stock!;
        var property = stock.GetType().GetProperty("OwnedControlQueues", System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Public)
            ?? throw new InvalidOperationException("AzureStorageOrchestrationService has no OwnedControlQueues: update DurableKillHost.");
        return () => string.Join(',', ((System.Collections.IEnumerable)property.GetValue(stock)!).Cast<object>()
            .Select(q => (string)q.GetType().GetProperty("Name")!.GetValue(q)!).Select(n => int.Parse(n[(n.LastIndexOf('-') + 1)..])).Order());
    }
}
