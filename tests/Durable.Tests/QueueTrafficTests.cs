using System.Collections.Concurrent;
using DurableTask.Core.History;
using Fleet.Durable.Messaging;
using Fleet.Durable.Tracking;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Hosting;

namespace Fleet.Durable.Tests;

/// <summary>What the engine puts on its queues: a fan-out's work items and results travel in batches, and work this host can do
/// itself is sent claimed and run at once instead of going round the queue — on Azurite and in memory, with the same outputs.</summary>
public sealed class QueueTrafficTests
{
    private sealed record Send(bool ToWorkItems, int Count, bool Claimed, EventType FirstEvent);

    /// <summary>Passes everything through to the real store and records each queue message sent and each non-empty receive.</summary>
    private sealed class RecordingStore(IDurableStore inner) : DelegatingStore(inner)
    {
        public ConcurrentQueue<Send> Sends { get; } = new();
        public ConcurrentQueue<(int Partition, int Items)> Receives { get; } = new();

        public override Task<QueueItem?> SendAsync(IReadOnlyList<QueuedMessage> messages, bool toWorkItems, TimeSpan? delay, TimeSpan? claimFor, CancellationToken ct)
        {
            Sends.Enqueue(new Send(toWorkItems, messages.Count, claimFor is not null, messages[0].Event.EventType));
            return base.SendAsync(messages, toWorkItems, delay, claimFor, ct);
        }

        public override async Task<IReadOnlyList<QueueItem>> ReceiveAsync(int partition, int max, TimeSpan visibility, CancellationToken ct)
        {
            var items = await base.ReceiveAsync(partition, max, visibility, ct);
            if (items.Count > 0) Receives.Enqueue((partition, items.Count));
            return items;
        }
    }

    private static async Task<(IHost Host, RecordingStore Store, DurableTaskClient Client)> StartAsync(string backend, int maxActivities = 20)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Durable:Provider"] = backend, ["Durable:HubName"] = "traffic" + Guid.NewGuid().ToString("N")[..10], ["Durable:PartitionCount"] = "2",
            ["Durable:WorkItemBatchSize"] = "16", ["Durable:MaxConcurrentActivityFunctions"] = maxActivities.ToString(),
            ["Durable:MaxQueuePollingInterval"] = "00:00:00.200",
        };
        if (backend == "Fleet")
            settings["AzureWebJobsStorage"] = Environment.GetEnvironmentVariable("AzureWebJobsStorage")
                ?? throw new InvalidOperationException("AzureWebJobsStorage is not set: source the peers.env of infra/peers/start-all.sh.");
        return await DelegatingStore.StartHostAsync(settings, real => new RecordingStore(real));
    }

    private static async Task<OrchestrationMetadata> RunAsync(DurableTaskClient client, string name, object input)
    {
        string id = await client.ScheduleNewOrchestrationInstanceAsync(name, input);
        var done = await client.WaitForInstanceCompletionAsync(id, true, new CancellationTokenSource(TimeSpan.FromSeconds(60)).Token);
        Assert.Equal(OrchestrationRuntimeStatus.Completed, done.RuntimeStatus);
        return done;
    }

    [Theory]
    [InlineData("InMemory")]
    [InlineData("Fleet")]
    public async Task Fan_out_of_40_moves_in_three_work_item_messages_and_three_result_messages(string backend)
    {
        var (host, store, client) = await StartAsync(backend);
        try
        {
            var done = await RunAsync(client, "FanOut", 40);
            Assert.Equal(Enumerable.Range(1, 40).Sum(i => (long)i * i), done.ReadOutputAs<long>());

            var work = store.Sends.Where(s => s.ToWorkItems).Select(s => s.Count).OrderDescending().ToList();
            Assert.Equal([16, 16, 8], work);
            var results = store.Sends.Where(s => s.FirstEvent == EventType.TaskCompleted).Select(s => s.Count).OrderDescending().ToList();
            Assert.Equal([16, 16, 8], results);
        }
        finally
        {
            await host.StopAsync();
            host.Dispose();
        }
    }

    [Theory]
    [InlineData("InMemory")]
    [InlineData("Fleet")]
    public async Task A_host_with_free_slots_runs_its_own_work_without_receiving_it_from_a_queue(string backend)
    {
        var (host, store, client) = await StartAsync(backend);
        try
        {
            // Until this host leases both partitions (a moment after start on Azure Storage), its starts go through the queue.
            for (int i = 0; i < 2; i++) await RunAsync(client, "Chain", "warm-up");
            store.Sends.Clear();
            store.Receives.Clear();

            var done = await RunAsync(client, "Chain", "x");
            Assert.Equal(["Hello Tokyo!", "Hello Seattle!", "Hello London!"], done.ReadOutputAs<List<string>>());

            // Start, three work items, three results: each sent claimed and run here; nothing came back through a receive.
            Assert.Equal(7, store.Sends.Count);
            Assert.All(store.Sends, s => Assert.True(s.Claimed, $"{s.FirstEvent} was not claimed"));
            Assert.Empty(store.Receives);
        }
        finally
        {
            await host.StopAsync();
            host.Dispose();
        }
    }

    [Fact]
    public async Task With_no_free_activity_slot_work_items_go_through_the_queue_and_still_complete()
    {
        // One activity slot: the fan-out's first batch takes it, the others must wait on the queue for a poller.
        var (host, store, client) = await StartAsync("InMemory", maxActivities: 1);
        try
        {
            var done = await RunAsync(client, "FanOut", 40);
            Assert.Equal(Enumerable.Range(1, 40).Sum(i => (long)i * i), done.ReadOutputAs<long>());
            Assert.Contains(store.Sends, s => s.ToWorkItems && !s.Claimed);
            Assert.Contains(store.Receives, r => r.Partition < 0);
        }
        finally
        {
            await host.StopAsync();
            host.Dispose();
        }
    }
}
