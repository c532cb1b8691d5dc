using System.Collections.Concurrent;
using Fleet.Durable.Hosting;
using Fleet.Durable.Partitioning;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Worker;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Fleet.Durable.Tests;

/// <summary>Two hosts on one Azure Storage task hub share the control-queue partitions through blob leases.</summary>
[Collection(HostProcess.Collection)]
public sealed class PartitionLeaseTests
{
    private static readonly ConcurrentDictionary<string, ConcurrentBag<string>> EpisodeHosts = new();

    private static async Task<IHost> StartHostAsync(string hub, string hostName)
    {
        string cs = Environment.GetEnvironmentVariable("AzureWebJobsStorage")
            ?? throw new InvalidOperationException("Environment variable AzureWebJobsStorage is not set: these tests need Azurite (source peers.env).");
        var config = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["AzureWebJobsStorage"] = cs,
            ["Durable:HubName"] = hub,
            ["Durable:PartitionCount"] = "4",
            ["Durable:PartitionLeaseDuration"] = "00:00:15",
            ["Durable:PartitionLeaseRenewInterval"] = "00:00:00.500",
            ["Durable:MaxQueuePollingInterval"] = "00:00:00.250",
        }).Build();
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        if (Environment.GetEnvironmentVariable("FLEET_TEST_LOG") is { Length: > 0 } logFile)
            builder.Logging.AddProvider(new FileLoggerProvider(logFile + "." + hostName)).SetMinimumLevel(LogLevel.Debug);
        builder.Services.AddFleetDurableTask(config);
        builder.Services.AddDurableTaskWorker(b => b.AddTasks(r =>
        {
            r.AddActivityFunc<string, string>("WhereAmI", (_, id) =>
            {
                EpisodeHosts.GetOrAdd(id, _ => new()).Add(hostName);
                return hostName;
            });
            r.AddOrchestratorFunc<string, string>("Where", (ctx, _) => ctx.CallActivityAsync<string>("WhereAmI", ctx.InstanceId));
        }));
        var host = builder.Build();
        await host.StartAsync();
        return host;
    }

    private static IReadOnlyCollection<int> Owned(IHost host) => ((BlobLeasePartitionManager)host.Services.GetRequiredService<DurableTaskHub>().Fleet!.Partitions).OwnedPartitions;

    [Fact]
    public async Task Two_hosts_split_the_partitions_and_run_every_instance_once()
    {
        string hub = "lease" + Guid.NewGuid().ToString("N")[..10];
        var a = await StartHostAsync(hub, "A");
        var b = await StartHostAsync(hub, "B");
        try
        {
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while (!(Owned(a).Count == 2 && Owned(b).Count == 2) && DateTime.UtcNow < deadline) await Task.Delay(100);
            Assert.Equal(2, Owned(a).Count);
            Assert.Equal(2, Owned(b).Count);
            Assert.Empty(Owned(a).Intersect(Owned(b)));

            var client = a.Services.GetRequiredService<DurableTaskClient>();
            var ids = await Task.WhenAll(Enumerable.Range(0, 12).Select(_ => client.ScheduleNewOrchestrationInstanceAsync("Where")));
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            var done = await Task.WhenAll(ids.Select(id => client.WaitForInstanceCompletionAsync(id, true, cts.Token)));
            Assert.All(done, m => Assert.Equal(OrchestrationRuntimeStatus.Completed, m.RuntimeStatus));
            Assert.All(ids, id => Assert.Single(EpisodeHosts[id]));

            // A host that stops hands its partitions over: the other one takes all of them.
            await b.StopAsync();
            deadline = DateTime.UtcNow.AddSeconds(30);
            while (Owned(a).Count < 4 && DateTime.UtcNow < deadline) await Task.Delay(100);
            Assert.Equal(4, Owned(a).Count);
            var after = await client.ScheduleNewOrchestrationInstanceAsync("Where");
            Assert.Equal(OrchestrationRuntimeStatus.Completed, (await client.WaitForInstanceCompletionAsync(after, false, cts.Token)).RuntimeStatus);
        }
        finally
        {
            await a.StopAsync();
            a.Dispose();
            b.Dispose();
        }
    }
}
