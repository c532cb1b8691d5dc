using Fleet.Durable.Client;
using Fleet.Durable.Runtime;
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

    /// <summary>The partition manager is internal to the engine: its OwnedPartitions is read by reflection, so the engine
    /// needs no hook for this test host.</summary>
    private static Func<string> OwnedPartitions(IServiceProvider services)
    {
        var type = typeof(DurableTaskClient).Assembly.GetType("Fleet.Durable.Runtime.IPartitionManager", throwOnError: true)!;
        object manager = services.GetRequiredService(type);
        var property = manager.GetType().GetProperty("OwnedPartitions")
            ?? throw new InvalidOperationException($"{manager.GetType()} has no OwnedPartitions: update DurableKillHost.");
        return () => string.Join(',', ((IEnumerable<int>)property.GetValue(manager)!).Order());
    }
}
