using System.Collections.Concurrent;
using Fleet.Durable.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Fleet.Durable.Runtime;

/// <summary>The hosted worker: polls the owned control queues and the work-item queue in batches, with in-process wake-ups
/// and back-off up to <see cref="DurableTaskOptions.MaxQueuePollingInterval"/> when idle.</summary>
internal sealed class DurableTaskWorkerService(TaskHub hub, OrchestrationDispatcher orchestrations, ActivityDispatcher activities,
    IPartitionManager partitions, ILoggerFactory loggerFactory) : BackgroundService, ILocalDispatch
{
    private const int BatchSize = 32;
    private static readonly TimeSpan MinBackoff = TimeSpan.FromMilliseconds(10);
    private readonly ILogger _log = loggerFactory.CreateLogger("Fleet.Durable.Worker");
    private readonly ConcurrentDictionary<Task, bool> _inFlight = new();
    private SemaphoreSlim? _orchestrationSlots;
    private SemaphoreSlim? _activitySlots;
    private CancellationToken _stopping;
    // Partitions whose poll loop runs now: only their messages may be claimed and run here.
    private readonly ConcurrentDictionary<int, bool> _polling = new();

    private DurableTaskOptions Options => hub.Options;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        _stopping = stoppingToken;
        _orchestrationSlots = new SemaphoreSlim(Options.MaxConcurrentOrchestratorFunctions);
        _activitySlots = new SemaphoreSlim(Options.MaxConcurrentActivityFunctions);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await hub.EnsureInitializedAsync();
                break;
            }
            catch (Exception ex)
            {
                _log.LogError(ex, "Task hub {Hub} could not be initialized; retrying.", Options.HubName);
                await Task.Delay(TimeSpan.FromSeconds(2), stoppingToken).ContinueWith(_ => { });
            }
        }
        hub.Local = this;
        _log.LogInformation("Durable worker started on hub {Hub} ({Backend}, {Partitions} partitions).", Options.HubName, Options.Backend, Options.PartitionCount);
        try
        {
            await Task.WhenAll(partitions.RunAsync(PollControlQueueAsync, stoppingToken), PollWorkItemsAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            hub.Local = null;
        }
        // Let running episodes finish their checkpoint; unfinished ones come back after the visibility timeout.
        await Task.WhenAny(Task.WhenAll(_inFlight.Keys), Task.Delay(TimeSpan.FromSeconds(5)));
    }

    private async Task PollControlQueueAsync(int partition, CancellationToken ct)
    {
        _polling[partition] = true;
        try
        {
            await PollControlQueueLoopAsync(partition, ct);
        }
        finally
        {
            _polling.TryRemove(partition, out _);
        }
    }

    private async Task PollControlQueueLoopAsync(int partition, CancellationToken ct)
    {
        var backoff = MinBackoff;
        while (!ct.IsCancellationRequested)
        {
            Task wake = hub.Store.Wakeups.GetWaitTask(partition);
            IReadOnlyList<QueueItem> batch;
            try
            {
                // Not canceled by losing the partition: a receive that completes must be processed, or its messages stay hidden.
                batch = await hub.Store.ReceiveAsync(partition, BatchSize, Options.MessageVisibilityTimeout, _stopping);
            }
            catch (Exception ex) when (!ct.IsCancellationRequested)
            {
                _log.LogWarning(ex, "Receiving from control queue {Partition} failed.", partition);
                await Delay(TimeSpan.FromSeconds(1), ct);
                continue;
            }
            if (batch.Count == 0)
            {
                await Task.WhenAny(wake, Delay(backoff, ct));
                backoff = Next(backoff);
                continue;
            }
            backoff = MinBackoff;
            foreach (var group in batch.GroupBy(i => i.InstanceId))
            {
                await _orchestrationSlots!.WaitAsync(_stopping);
                StartEpisode(group.Key, group.ToList());
            }
        }
    }

    private async Task PollWorkItemsAsync(CancellationToken ct)
    {
        var backoff = MinBackoff;
        while (!ct.IsCancellationRequested)
        {
            // Take only as many work items as there are free slots, so none sit hidden while waiting for a slot.
            await _activitySlots!.WaitAsync(ct);
            int slots = 1;
            while (slots < BatchSize && _activitySlots.Wait(0)) slots++;
            Task wake = hub.Store.Wakeups.GetWaitTask(-1);
            IReadOnlyList<QueueItem> batch;
            try
            {
                batch = await hub.Store.ReceiveAsync(-1, slots, Options.MessageVisibilityTimeout, ct);
            }
            catch (Exception ex) when (!ct.IsCancellationRequested)
            {
                _activitySlots.Release(slots);
                _log.LogWarning(ex, "Receiving from the work-item queue failed.");
                await Delay(TimeSpan.FromSeconds(1), ct);
                continue;
            }
            catch
            {
                _activitySlots.Release(slots);
                throw;
            }
            if (batch.Count < slots) _activitySlots.Release(slots - batch.Count);
            if (batch.Count == 0)
            {
                await Task.WhenAny(wake, Delay(backoff, ct));
                backoff = Next(backoff);
                continue;
            }
            backoff = MinBackoff;
            foreach (var item in batch)
            {
                // A work item of several activities runs them side by side on whatever slots are free now (at least its own).
                int held = 1;
                while (held < item.Messages.Count && _activitySlots.Wait(0)) held++;
                StartActivities(item, held);
            }
        }
    }

    private void StartEpisode(string instanceId, List<QueueItem> items) => Track(Task.Run(async () =>
    {
        // Episodes finish their checkpoint even when the partition is handed over (the ETag guards it); only shutdown stops them.
        try { await orchestrations.ProcessAsync(instanceId, items, _stopping); }
        finally { _orchestrationSlots!.Release(); }
    }, CancellationToken.None));

    private void StartActivities(QueueItem item, int slots) => Track(Task.Run(async () =>
    {
        try { await activities.ProcessAsync(item, slots, _stopping); }
        catch (Exception ex) when (!_stopping.IsCancellationRequested) { _log.LogWarning(ex, "Work item for {InstanceId} failed; it will be retried.", item.InstanceId); }
        finally { _activitySlots!.Release(slots); }
    }, CancellationToken.None));

    int ILocalDispatch.TryTakeActivitySlots(int wanted)
    {
        if (_stopping.IsCancellationRequested || _activitySlots is null) return 0;
        int taken = 0;
        while (taken < wanted && _activitySlots.Wait(0)) taken++;
        return taken;
    }

    void ILocalDispatch.ReleaseActivitySlots(int slots)
    {
        if (slots > 0) _activitySlots!.Release(slots);
    }

    void ILocalDispatch.RunActivities(QueueItem item, int slots) => StartActivities(item, slots);

    bool ILocalDispatch.TryTakeEpisodeSlot(int partition)
        => !_stopping.IsCancellationRequested && _polling.ContainsKey(partition) && _orchestrationSlots is not null && _orchestrationSlots.Wait(0);

    void ILocalDispatch.ReleaseEpisodeSlot() => _orchestrationSlots!.Release();

    void ILocalDispatch.RunEpisode(QueueItem item) => StartEpisode(item.InstanceId, [item]);

    private TimeSpan Next(TimeSpan backoff)
    {
        var doubled = backoff * 2;
        return doubled > Options.MaxQueuePollingInterval ? Options.MaxQueuePollingInterval : doubled;
    }

    private static Task Delay(TimeSpan delay, CancellationToken ct) => Task.Delay(delay, ct).ContinueWith(_ => { }, TaskScheduler.Default);

    private void Track(Task task)
    {
        _inFlight[task] = true;
        task.ContinueWith(t => _inFlight.TryRemove(t, out _), TaskScheduler.Default);
    }
}
