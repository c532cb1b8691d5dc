using System.Collections.Concurrent;
using System.Threading.Channels;
using DurableTask.Core;
using DurableTask.Core.History;
using Fleet.Durable.Messaging;
using Microsoft.Extensions.Logging;

namespace Fleet.Durable.Provider;

// Activity work items: a work-item queue message carries the activities one episode scheduled (up to WorkItemBatchSize); each
// becomes one DurableTask.Core work item, and their results go back together in one control message, after which the queue
// message is deleted (at least once: a crash before that runs the batch again, and the orchestration drops duplicates).
public sealed partial class FleetOrchestrationService
{
    private readonly Channel<TaskActivityWorkItem> _activityQueue = Channel.CreateUnbounded<TaskActivityWorkItem>();
    private readonly ConcurrentDictionary<string, (ActivityBatch Batch, int Index)> _activityEntries = new();
    // Activities received or claimed here and not finished yet; bounds what this host takes from the work-item queue.
    private int _activityBacklog;

    private sealed class ActivityBatch(QueueItem item)
    {
        public QueueItem Item { get; } = item;
        public TaskMessage?[] Results { get; } = new TaskMessage?[item.Messages.Count];
        public int Remaining = item.Messages.Count;
        public volatile bool Abandoned;
        public CancellationTokenSource Renewal { get; } = new();
    }

    private async Task PollWorkItemsAsync(CancellationToken ct)
    {
        var backoff = MinBackoff;
        int max = _options.MaxConcurrentActivityFunctions;
        while (!ct.IsCancellationRequested)
        {
            int room = max - Volatile.Read(ref _activityBacklog);
            if (room <= 0)
            {
                await Delay(TimeSpan.FromMilliseconds(20), ct);
                continue;
            }
            Task wake = _store.Wakeups.GetWaitTask(-1);
            IReadOnlyList<QueueItem> batch;
            try
            {
                int take = Math.Clamp((room + _options.WorkItemBatchSize - 1) / _options.WorkItemBatchSize, 1, ReceiveBatchSize);
                batch = await _store.ReceiveAsync(-1, take, _options.MessageVisibilityTimeout, ct);
            }
            catch (Exception ex) when (!ct.IsCancellationRequested)
            {
                _log.LogWarning(ex, "Receiving from the work-item queue failed.");
                await Delay(TimeSpan.FromSeconds(1), ct);
                continue;
            }
            catch (OperationCanceledException)
            {
                return;
            }
            if (batch.Count == 0)
            {
                await Task.WhenAny(wake, Delay(backoff, ct));
                backoff = Next(backoff);
                continue;
            }
            backoff = MinBackoff;
            foreach (var item in batch)
            {
                if (item.DequeueCount > _options.MaxDequeueCount) _ = ParkPoisonWorkItemAsync(item);
                else StartActivityBatch(item, reserved: false);
            }
        }
    }

    /// <param name="item">The work-item queue message.</param>
    /// <param name="reserved">Whether its activities are already counted in the backlog (claimed by this host's own episode).</param>
    private void StartActivityBatch(QueueItem item, bool reserved)
    {
        var batch = new ActivityBatch(item);
        if (!reserved) Interlocked.Add(ref _activityBacklog, item.Messages.Count);
        _ = KeepHiddenAsync(batch);
        for (int i = 0; i < item.Messages.Count; i++)
        {
            var workItem = new TaskActivityWorkItem
            {
                Id = Guid.NewGuid().ToString("N"), TaskMessage = item.Messages[i].Message, LockedUntilUtc = DateTime.MaxValue,
            };
            _activityEntries[workItem.Id] = (batch, i);
            _activityQueue.Writer.TryWrite(workItem);
        }
    }

    /// <summary>Long activities keep their work item hidden, so that no other host starts a second copy meanwhile.</summary>
    private async Task KeepHiddenAsync(ActivityBatch batch)
    {
        var visibility = _options.MessageVisibilityTimeout;
        try
        {
            while (true)
            {
                await Task.Delay(visibility / 2, batch.Renewal.Token);
                await _store.AbandonAsync(batch.Item, visibility, batch.Renewal.Token);
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (Exception ex)
        {
            _log.LogWarning(ex, "Could not extend the visibility of the work item for {InstanceId}.", batch.Item.InstanceId);
        }
    }

    /// <summary>A work item that keeps crashing its host is not retried forever: it is parked and its tasks fail with the reason.</summary>
    private async Task ParkPoisonWorkItemAsync(QueueItem item)
    {
        string names = string.Join(", ", item.Messages.Select(m => (m.Event as TaskScheduledEvent)?.Name).Distinct());
        string reason = $"Activity '{names}' was dequeued {item.DequeueCount} times without completing (limit {_options.MaxDequeueCount}); the message was moved to the poison store.";
        try
        {
            await _store.WritePoisonAsync(item, reason, CancellationToken.None);
            var results = item.Messages.Select(m => QueuedMessage.Of(new TaskMessage
            {
                OrchestrationInstance = m.Message.OrchestrationInstance,
                Event = new TaskFailedEvent(-1, m.Event.EventId, reason, "", new FailureDetails("PoisonMessage", reason, null, null, true)),
            })).ToList();
            foreach (var group in results.GroupBy(r => r.InstanceId)) await SendControlAsync(group.ToList(), CancellationToken.None);
            await _store.DeleteAsync(item, CancellationToken.None);
        }
        catch (Exception ex)
        {
            _log.LogError(ex, "Could not park the poison work item of {InstanceId}; it will be retried.", item.InstanceId);
        }
    }

    /// <inheritdoc />
    public async Task<TaskActivityWorkItem?> LockNextTaskActivityWorkItem(TimeSpan receiveTimeout, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(receiveTimeout);
        try
        {
            return await _activityQueue.Reader.ReadAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            return null;
        }
    }

    /// <inheritdoc />
    public Task<TaskActivityWorkItem> RenewTaskActivityWorkItemLockAsync(TaskActivityWorkItem workItem) => Task.FromResult(workItem);

    /// <inheritdoc />
    public Task CompleteTaskActivityWorkItemAsync(TaskActivityWorkItem workItem, TaskMessage responseMessage)
        => FinishActivityAsync(workItem, responseMessage);

    /// <inheritdoc />
    public Task AbandonTaskActivityWorkItemAsync(TaskActivityWorkItem workItem) => FinishActivityAsync(workItem, null);

    private void AbandonActivityEntry(TaskActivityWorkItem workItem) => _ = FinishActivityAsync(workItem, null);

    private async Task FinishActivityAsync(TaskActivityWorkItem workItem, TaskMessage? response)
    {
        if (!_activityEntries.TryRemove(workItem.Id, out var entry)) return;
        Interlocked.Decrement(ref _activityBacklog);
        var batch = entry.Batch;
        if (response is null) batch.Abandoned = true;
        else batch.Results[entry.Index] = response;
        if (Interlocked.Decrement(ref batch.Remaining) == 0) await FlushAsync(batch);
    }

    /// <summary>Sends a batch's results as one control message, then deletes its work item; when some activity was abandoned
    /// (this host is stopping) the work item comes back instead and the whole batch runs again.</summary>
    private async Task FlushAsync(ActivityBatch batch)
    {
        batch.Renewal.Cancel();
        try
        {
            var results = batch.Results.OfType<TaskMessage>().Select(QueuedMessage.Of).ToList();
            foreach (var group in results.GroupBy(r => r.InstanceId)) await SendControlAsync(group.ToList(), CancellationToken.None);
        }
        catch (Exception ex)
        {
            // The results were not delivered: run the activities again soon rather than after the visibility timeout (at least once).
            _log.LogWarning(ex, "Results of {Count} activities for {InstanceId} could not be sent; retrying the work item.", batch.Results.Length, batch.Item.InstanceId);
            await SafeAbandonAsync(batch.Item, TimeSpan.FromSeconds(1));
            return;
        }
        if (batch.Abandoned) await SafeAbandonAsync(batch.Item, TimeSpan.FromSeconds(1));
        else
        {
            try { await _store.DeleteAsync(batch.Item, CancellationToken.None); }
            catch (Exception ex) { _log.LogDebug(ex, "Deleting a finished work item failed; its results are dropped as duplicates."); }
        }
    }
}
