using System.Collections.Concurrent;
using DurableTask.Core.History;
using Fleet.Durable.Messaging;
using Fleet.Durable.Tracking;
using Fleet.Durable.Tracking.InMemory;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Hosting;

namespace Fleet.Durable.Tests;

/// <summary>A failure between any two checkpoint steps (send, history, Instances row, delete) ends with the instance completed,
/// never stuck Running (DurableTask #1252), and redelivered or duplicated messages are dropped.</summary>
public sealed class CrashSafetyTests
{
    /// <summary>Throws once at the named step, for the named instance status where it applies.</summary>
    private sealed class FaultInjectingStore(IDurableStore inner) : DelegatingStore(inner)
    {
        public ConcurrentQueue<string> Faults { get; } = new();
        public int Commits;

        private void Maybe(string step)
        {
            if (Faults.TryPeek(out var next) && next == step && Faults.TryDequeue(out _))
                throw new IOException($"injected failure at {step}");
        }

        public override Task<QueueItem?> SendAsync(IReadOnlyList<QueuedMessage> messages, bool toWorkItems, TimeSpan? delay, TimeSpan? claimFor, CancellationToken ct)
        {
            Maybe("send-" + messages[0].Event.EventType);
            return base.SendAsync(messages, toWorkItems, delay, claimFor, ct);
        }

        public override Task DeleteAsync(QueueItem item, CancellationToken ct)
        {
            Maybe("delete");
            return base.DeleteAsync(item, ct);
        }

        public override Task<string?> CommitHistoryAsync(string instanceId, string executionId, bool reset, int existingCount, IReadOnlyList<HistoryRow> newEvents, string? etag, CancellationToken ct)
        {
            Interlocked.Increment(ref Commits);
            Maybe("commit");
            return base.CommitHistoryAsync(instanceId, executionId, reset, existingCount, newEvents, etag, ct);
        }

        public override Task UpsertInstanceAsync(InstanceRecord record, CancellationToken ct)
        {
            Maybe("upsert-" + record.RuntimeStatus);
            return base.UpsertInstanceAsync(record, ct);
        }

        public InMemoryDurableStore Memory => (InMemoryDurableStore)Inner;
    }

    private static async Task<(IHost Host, FaultInjectingStore Store, DurableTaskClient Client)> StartAsync(int maxDequeueCount = 5)
    {
        return await DelegatingStore.StartHostAsync(new Dictionary<string, string?>
        {
            ["Durable:Provider"] = "InMemory", ["Durable:PartitionCount"] = "1", ["Durable:MaxQueuePollingInterval"] = "00:00:00.200",
            ["Durable:MaxDequeueCount"] = maxDequeueCount.ToString(),
        }, real => new FaultInjectingStore(real));
    }

    private static async Task<OrchestrationMetadata> RunChainAsync(DurableTaskClient client)
    {
        string id = await client.ScheduleNewOrchestrationInstanceAsync("Chain");
        return await client.WaitForInstanceCompletionAsync(id, true, new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token);
    }

    [Theory]
    [InlineData("send-TaskScheduled")]
    [InlineData("commit")]
    [InlineData("upsert-Running")]
    [InlineData("upsert-Completed")]
    [InlineData("delete")]
    [InlineData("send-TaskCompleted")]
    public async Task A_failure_at_any_checkpoint_step_still_completes_the_instance(string step)
    {
        var (host, store, client) = await StartAsync();
        await using var _ = (IAsyncDisposable)host;
        store.Faults.Enqueue(step);
        var m = await RunChainAsync(client);
        Assert.Empty(store.Faults);
        Assert.Equal(OrchestrationRuntimeStatus.Completed, m.RuntimeStatus);
        Assert.Equal(["Hello Tokyo!", "Hello Seattle!", "Hello London!"], m.ReadOutputAs<List<string>>());
        var history = await client.GetOrchestrationHistoryAsync(m.InstanceId);
        // Redelivered messages and re-sent tasks never show up twice in history.
        Assert.Equal(3, history.Count(e => e.EventType == EventType.TaskCompleted));
        Assert.Single(history, e => e.EventType == EventType.ExecutionCompleted);
    }

    [Fact]
    public async Task A_start_whose_message_cannot_be_sent_leaves_no_Pending_instance_behind()
    {
        var (host, store, client) = await StartAsync();
        await using var _ = (IAsyncDisposable)host;
        store.Faults.Enqueue("send-ExecutionStarted");
        await Assert.ThrowsAsync<IOException>(() => client.ScheduleNewOrchestrationInstanceAsync("Chain", null, new StartOrchestrationOptions("lost-start")));
        Assert.Null(await client.GetInstanceAsync("lost-start"));
        var m = await RunChainAsync(client);
        Assert.Equal(OrchestrationRuntimeStatus.Completed, m.RuntimeStatus);
    }

    [Fact]
    public async Task A_message_that_keeps_failing_is_parked_and_its_instance_fails_with_the_reason()
    {
        var (host, store, client) = await StartAsync(maxDequeueCount: 2);
        await using var _ = (IAsyncDisposable)host;
        // Every checkpoint of the first episode fails; the poison path's own history write then succeeds.
        store.Faults.Enqueue("commit");
        store.Faults.Enqueue("commit");
        string id = await client.ScheduleNewOrchestrationInstanceAsync("Chain");
        var m = await client.WaitForInstanceCompletionAsync(id, true, new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token);
        Assert.Equal(OrchestrationRuntimeStatus.Failed, m.RuntimeStatus);
        Assert.Equal("PoisonMessage", m.FailureDetails!.ErrorType);
        Assert.Contains("poison", m.FailureDetails.ErrorMessage);
        Assert.Contains(store.Memory.Poison, p => p.InstanceId == id && p.Message.Contains("ExecutionStarted"));
    }

    [Fact]
    public async Task Instances_row_missed_after_the_final_history_write_is_repaired_not_left_Running()
    {
        // DurableTask #1252: history says Completed while the Instances row still says Running.
        var (host, store, client) = await StartAsync();
        await using var _ = (IAsyncDisposable)host;
        store.Faults.Enqueue("upsert-Completed");
        var m = await RunChainAsync(client);
        Assert.Equal(OrchestrationRuntimeStatus.Completed, m.RuntimeStatus);
        var history = await client.GetOrchestrationHistoryAsync(m.InstanceId);
        Assert.Equal(DurableTask.Core.OrchestrationStatus.Completed, history.OfType<ExecutionCompletedEvent>().Single().OrchestrationStatus);
        Assert.Equal(OrchestrationRuntimeStatus.Completed, (await client.GetInstanceAsync(m.InstanceId))!.RuntimeStatus);
    }
}
