using System.Collections.Concurrent;
using System.Threading.Channels;
using DurableTask.Core;
using DurableTask.Core.Exceptions;
using DurableTask.Core.History;
using Fleet.Durable.Messaging;
using Fleet.Durable.Monitoring;
using Fleet.Durable.Tracking;
using Microsoft.Extensions.Logging;

namespace Fleet.Durable.Provider;

// Orchestration work items: per-instance sessions (one episode of an instance at a time in this host, later messages wait for
// it), the message filter, and checkpoints in the crash-safe order: send outbound messages, write history guarded by the
// sentinel ETag, update the Instances row, delete consumed messages.
public sealed partial class FleetOrchestrationService
{
    private static readonly TimeSpan RowRefreshInterval = TimeSpan.FromSeconds(1);
    // Counts instances with messages buffered or an episode running here; bounds what this host takes from its control queues.
    private readonly SemaphoreSlim _episodeSlots;
    private readonly object _sessionLock = new();
    private readonly Dictionary<string, Session> _sessions = new();
    private readonly Channel<string> _ready = Channel.CreateUnbounded<string>();
    private readonly ConcurrentDictionary<string, Episode> _episodes = new();

    private sealed class Session
    {
        public List<QueueItem> Pending { get; set; } = new();
        public bool Locked { get; set; }
    }

    /// <summary>What the provider keeps of a work item between lock and release.</summary>
    private sealed class Episode
    {
        public required CachedHistory State { get; init; }
        public required bool Reset { get; init; }
        public required Dictionary<HistoryEvent, string> MessageIds { get; init; }
        public required List<QueueItem> Items { get; init; }
        public required List<QueueItem> Consumed { get; init; }
        public required List<(QueueItem Item, TimeSpan Delay)> Abandon { get; init; }
        public bool Conflict { get; set; }
    }

    /// <summary>Adds messages to an instance's session; the caller holds an episode slot, which the session keeps (or gives
    /// back when the instance already has one).</summary>
    private void Enqueue(string instanceId, List<QueueItem> items)
    {
        bool ready = false, release = false;
        lock (_sessionLock)
        {
            if (_sessions.TryGetValue(instanceId, out var s))
            {
                ready = !s.Locked && s.Pending.Count == 0;
                s.Pending.AddRange(items);
                release = true;
            }
            else
            {
                _sessions[instanceId] = new Session { Pending = items };
                ready = true;
            }
        }
        if (release) _episodeSlots.Release();
        if (ready) _ready.Writer.TryWrite(instanceId);
    }

    private void Unlock(string instanceId)
    {
        bool ready = false, release = false;
        lock (_sessionLock)
        {
            if (!_sessions.TryGetValue(instanceId, out var s)) return;
            s.Locked = false;
            if (s.Pending.Count > 0) ready = true;
            else
            {
                _sessions.Remove(instanceId);
                release = true;
            }
        }
        if (release) _episodeSlots.Release();
        if (ready) _ready.Writer.TryWrite(instanceId);
    }

    /// <inheritdoc />
    public async Task<TaskOrchestrationWorkItem?> LockNextTaskOrchestrationWorkItemAsync(TimeSpan receiveTimeout, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(receiveTimeout);
        while (true)
        {
            string instanceId;
            try
            {
                instanceId = await _ready.Reader.ReadAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                return null;
            }
            List<QueueItem> items;
            lock (_sessionLock)
            {
                if (!_sessions.TryGetValue(instanceId, out var s) || s.Locked || s.Pending.Count == 0) continue;
                items = s.Pending;
                s.Pending = new();
                s.Locked = true;
            }
            try
            {
                if (await PrepareAsync(instanceId, items) is { } workItem) return workItem;
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
            {
                _cache.TryRemove(instanceId, out _);
                _log.LogWarning(ex, "Messages of {InstanceId} could not be prepared; they will be retried.", instanceId);
                await RetryOrParkAsync(instanceId, items, ex);
            }
            Unlock(instanceId);
        }
    }

    private async Task<CachedHistory> LoadAsync(string instanceId)
    {
        if (_cache.TryGetValue(instanceId, out var cached)) return cached;
        var snap = await _store.LoadHistoryAsync(instanceId, CancellationToken.None);
        var state = new CachedHistory(instanceId, snap.Events, snap.MessageIds, snap.ExecutionId, snap.ETag);
        if (_cache.Count > 20_000) _cache.Clear();
        _cache[instanceId] = state;
        return state;
    }

    /// <summary>Builds the work item for an instance's messages, or settles them and returns null when none becomes history.</summary>
    private async Task<TaskOrchestrationWorkItem?> PrepareAsync(string instanceId, List<QueueItem> items)
    {
        var state = await LoadAsync(instanceId);
        var filtered = MessageFilter.Apply(state, items, DateTime.UtcNow);
        foreach (var start in filtered.Refused) await RefuseSubOrchestrationAsync(instanceId, start);

        // Items with nothing deferred are consumed by this episode; all-deferred ones are abandoned; mixed ones are split.
        var consumed = new List<QueueItem>();
        var abandon = new List<(QueueItem, TimeSpan)>();
        foreach (var item in items)
        {
            var mine = filtered.Deferred.Where(d => d.Item == item).ToList();
            if (mine.Count == 0) consumed.Add(item);
            else if (mine.Count == item.Messages.Count) abandon.Add((item, mine.Min(d => d.Delay)));
            else
            {
                // The deferred messages go back as messages of their own (same ids, so a redelivery of the original is dropped).
                await Task.WhenAll(mine.Select(d => _store.SendAsync([d.Message], false, d.Delay, null, CancellationToken.None)));
                consumed.Add(item);
            }
        }

        if (filtered.Accepted.Count == 0)
        {
            // Redelivered messages mean a previous checkpoint may have stopped before updating the Instances row (DurableTask #1252).
            if (filtered.SawDuplicate && state.Started is not null)
                await WriteInstanceRowAsync(state, new OrchestrationRuntimeState(state.Events), customStatusKnown: false, force: true);
            _ = SettleAsync(consumed, abandon);
            return null;
        }

        var runtimeState = new OrchestrationRuntimeState(filtered.Reset ? new List<HistoryEvent>() : new List<HistoryEvent>(state.Events));
        var ids = new Dictionary<HistoryEvent, string>(ReferenceEqualityComparer.Instance);
        foreach (var m in filtered.Accepted) ids[m.Event] = m.MessageId;
        _episodes[instanceId] = new Episode
        {
            State = state, Reset = filtered.Reset, MessageIds = ids, Items = items, Consumed = consumed, Abandon = abandon,
        };
        return new TaskOrchestrationWorkItem
        {
            InstanceId = instanceId,
            OrchestrationRuntimeState = runtimeState,
            NewMessages = filtered.Accepted.Select(m => m.Message).ToList(),
            // Episodes run no I/O and end in well under the messages' visibility timeout: no lock renewal is needed.
            LockedUntilUtc = DateTime.MaxValue,
        };
    }

    private async Task RefuseSubOrchestrationAsync(string instanceId, ExecutionStartedEvent start)
    {
        var parent = start.ParentInstance!;
        string message = $"An orchestration with instance id '{instanceId}' already exists and is running.";
        var failed = new SubOrchestrationInstanceFailedEvent(-1, parent.TaskScheduleId, message, "",
            new FailureDetails(typeof(OrchestrationAlreadyExistsException).FullName!, message, null, null, true));
        await _store.SendAsync([QueuedMessage.Of(new TaskMessage { Event = failed, OrchestrationInstance = parent.OrchestrationInstance })],
            false, null, null, CancellationToken.None);
    }

    /// <inheritdoc />
    public Task RenewTaskOrchestrationWorkItemLockAsync(TaskOrchestrationWorkItem workItem) => Task.CompletedTask;

    /// <inheritdoc />
    public async Task CompleteTaskOrchestrationWorkItemAsync(TaskOrchestrationWorkItem workItem, OrchestrationRuntimeState newOrchestrationRuntimeState,
        IList<TaskMessage>? outboundMessages, IList<TaskMessage>? orchestratorMessages, IList<TaskMessage>? timerMessages,
        TaskMessage? continuedAsNewMessage, OrchestrationState? orchestrationState)
    {
        string instanceId = workItem.InstanceId;
        var episode = _episodes[instanceId];
        var state = episode.State;
        var runtime = newOrchestrationRuntimeState;
        string executionId = runtime.OrchestrationInstance?.ExecutionId ?? state.ExecutionId ?? Guid.NewGuid().ToString("N");
        // A new execution (first start after a finished one, or ContinueAsNew run on in this episode) starts an empty history.
        bool reset = episode.Reset || state.ExecutionId is not null && executionId != state.ExecutionId;
        var newEvents = runtime.NewEvents.ToList();
        var rows = newEvents.Select(e => new HistoryRow(e, episode.MessageIds.GetValueOrDefault(e))).ToList();

        // 1. Outbound messages first: a crash after this replays the episode, and receivers drop the duplicates.
        var claimed = await SendOutboundAsync(outboundMessages, orchestratorMessages, timerMessages, continuedAsNewMessage);

        // 2. History, guarded by the sentinel's ETag: a conflict means another host moved this instance on.
        string? etag;
        try
        {
            etag = await _store.CommitHistoryAsync(instanceId, executionId, reset, reset ? 0 : state.Events.Count, rows, state.ETag, CancellationToken.None);
        }
        finally
        {
            // Claimed work items start only now, so their results cannot overtake the checkpoint that schedules them. They run even
            // if the checkpoint failed: activities are at least once, and results nobody scheduled are dropped.
            foreach (var item in claimed) StartActivityBatch(item, reserved: true);
        }
        if (etag is null)
        {
            DurableEngineCounters.OnSentinelConflict();
            _cache.TryRemove(instanceId, out _);
            episode.Conflict = true;
            _log.LogInformation("Checkpoint conflict for {InstanceId}; abandoning the episode.", instanceId);
            return;
        }
        DurableEngineCounters.OnEpisodeCommitted();
        CachedHistory current;
        if (reset)
        {
            current = CachedHistory.Empty(instanceId, executionId, etag);
            current.Append(newEvents);
        }
        else
        {
            current = state;
            current.ETag = etag;
            current.ExecutionId = executionId;
            current.Append(newEvents);
        }
        foreach (var id in rows.Select(r => r.MessageId).OfType<string>()) current.MessageIds.Add(id);
        _cache[instanceId] = current;

        // 3. The Instances row, after history, so it never claims more than history has.
        await WriteInstanceRowAsync(current, runtime, customStatusKnown: true, force: false);
    }

    /// <summary>Work items go out in queue messages of up to <see cref="DurableTaskOptions.WorkItemBatchSize"/> activities each
    /// (a fan-out of 1,000 is then tens of queue messages, not 1,000); those this host has room for are sent claimed and
    /// returned, to be run here once the checkpoint that schedules them is written. Control messages are handed over in process
    /// when their instance's partition is polled here.</summary>
    private async Task<List<QueueItem>> SendOutboundAsync(IList<TaskMessage>? outbound, IList<TaskMessage>? orchestratorMessages,
        IList<TaskMessage>? timerMessages, TaskMessage? continuedAsNew)
    {
        var claimed = new List<QueueItem>();
        var sends = new List<Task>();
        var now = DateTime.UtcNow;
        foreach (var group in (orchestratorMessages ?? []).Concat(continuedAsNew is null ? [] : [continuedAsNew]).GroupBy(m => m.OrchestrationInstance.InstanceId))
            sends.Add(SendControlAsync(group.Select(QueuedMessage.Of).ToList(), CancellationToken.None));
        foreach (var timer in timerMessages ?? [])
        {
            var fireAt = timer.Event is TimerFiredEvent t ? t.FireAt : now;
            sends.Add(fireAt > now
                ? _store.SendAsync([QueuedMessage.Of(timer)], false, fireAt - now, null, CancellationToken.None)
                : SendControlAsync([QueuedMessage.Of(timer)], CancellationToken.None));
        }
        foreach (var chunk in (outbound ?? []).Select(QueuedMessage.Of).Chunk(_options.WorkItemBatchSize))
        {
            if (!_running || Volatile.Read(ref _activityBacklog) >= _options.MaxConcurrentActivityFunctions)
            {
                sends.Add(_store.SendAsync(chunk, true, null, null, CancellationToken.None));
                continue;
            }
            Interlocked.Add(ref _activityBacklog, chunk.Length);
            sends.Add(ClaimAsync(chunk));
        }
        await Task.WhenAll(sends);
        return claimed;

        async Task ClaimAsync(QueuedMessage[] chunk)
        {
            // The reservation in the backlog is kept until the batch is started (after the checkpoint), so later chunks see it.
            QueueItem? item;
            try
            {
                item = await _store.SendAsync(chunk, true, null, _options.MessageVisibilityTimeout, CancellationToken.None);
            }
            catch
            {
                Interlocked.Add(ref _activityBacklog, -chunk.Length);
                throw;
            }
            lock (claimed) claimed.Add(item!);
        }
    }

    private async Task WriteInstanceRowAsync(CachedHistory s, OrchestrationRuntimeState runtime, bool customStatusKnown, bool force)
    {
        var now = DateTime.UtcNow;
        var status = runtime.OrchestrationStatus;
        string? custom = customStatusKnown ? runtime.Status : null;
        // A running instance whose row would change only in lastUpdatedTime is rewritten at most every RowRefreshInterval:
        // one table write fewer per episode of a chain or fan-out, with lastUpdatedTime still current to within a second.
        var written = (status, custom, s.ExecutionId);
        if (!force && status == OrchestrationStatus.Running && s.RowWritten is { } last && last.Row == written && now - last.At < RowRefreshInterval)
            return;
        bool final = status is OrchestrationStatus.Completed or OrchestrationStatus.Failed or OrchestrationStatus.Terminated or OrchestrationStatus.Canceled;
        var start = runtime.ExecutionStartedEvent;
        await _store.UpsertInstanceAsync(new InstanceRecord
        {
            InstanceId = s.InstanceId,
            Name = runtime.Name ?? start?.Name ?? "",
            Version = runtime.Version,
            ExecutionId = s.ExecutionId,
            RuntimeStatus = status,
            CreatedTime = start?.Timestamp ?? now,
            LastUpdatedTime = now,
            CompletedTime = final ? runtime.CompletedTime : null,
            ScheduledStartTime = start?.ScheduledStartTime,
            Input = runtime.Input,
            Output = final ? runtime.Output : null,
            FailureDetails = final ? runtime.FailureDetails : null,
            CustomStatus = custom,
            CustomStatusKnown = customStatusKnown,
            ParentInstanceId = runtime.ParentInstance?.OrchestrationInstance?.InstanceId,
        }, CancellationToken.None);
        s.RowWritten = (written, now);
        Notifier.Notify(s.InstanceId);
    }

    /// <inheritdoc />
    public Task ReleaseTaskOrchestrationWorkItemAsync(TaskOrchestrationWorkItem workItem)
    {
        if (!_episodes.TryRemove(workItem.InstanceId, out var episode)) return Task.CompletedTask;
        Unlock(workItem.InstanceId);
        // Deleting consumed messages needs no lock: the checkpoint is written, and a message that comes back is dropped as a duplicate.
        return episode.Conflict
            ? Task.WhenAll(episode.Items.Select(i => SafeAbandonAsync(i, TimeSpan.Zero)))
            : SettleAsync(episode.Consumed, episode.Abandon);
    }

    /// <inheritdoc />
    public async Task AbandonTaskOrchestrationWorkItemAsync(TaskOrchestrationWorkItem workItem)
    {
        if (!_episodes.TryRemove(workItem.InstanceId, out var episode)) return;
        _cache.TryRemove(workItem.InstanceId, out _);
        try
        {
            await RetryOrParkAsync(workItem.InstanceId, episode.Items, null);
        }
        finally
        {
            Unlock(workItem.InstanceId);
        }
    }

    private async Task SettleAsync(List<QueueItem> done, List<(QueueItem Item, TimeSpan Delay)> later)
    {
        try
        {
            await Task.WhenAll(done.Select(i => _store.DeleteAsync(i, CancellationToken.None))
                .Concat(later.Select(l => _store.AbandonAsync(l.Item, l.Delay, CancellationToken.None))));
        }
        catch (Exception ex)
        {
            _log.LogDebug(ex, "Settling messages failed; they come back and are dropped as duplicates.");
        }
    }

    /// <summary>Lets messages of a failed episode come back, unless they failed <see cref="DurableTaskOptions.MaxDequeueCount"/> times:
    /// those are moved to the poison store and their instance fails with the reason.</summary>
    private async Task RetryOrParkAsync(string instanceId, List<QueueItem> items, Exception? error)
    {
        var poison = items.Where(i => i.DequeueCount >= _options.MaxDequeueCount).ToList();
        if (poison.Count > 0) await ParkPoisonAsync(instanceId, poison, error);
        await Task.WhenAll(items.Except(poison).Select(i => SafeAbandonAsync(i, TimeSpan.FromSeconds(1))));
    }

    private async Task ParkPoisonAsync(string instanceId, List<QueueItem> poison, Exception? error)
    {
        string reason = $"{poison.Count} message(s) for this instance failed {_options.MaxDequeueCount} times and were moved to the poison store"
            + (error is null ? "." : $": {error.Message}");
        _log.LogError(error, "Instance {InstanceId} failed: {Reason}", instanceId, reason);
        var failure = new FailureDetails("PoisonMessage", reason, null, null, true);
        try
        {
            foreach (var item in poison) await _store.WritePoisonAsync(item, reason, CancellationToken.None);
            var snap = await _store.LoadHistoryAsync(instanceId, CancellationToken.None);
            var state = new CachedHistory(instanceId, snap.Events, snap.MessageIds, snap.ExecutionId, snap.ETag);
            var now = DateTime.UtcNow;
            if (state.Started is not null && !state.IsFinal && snap.ExecutionId is not null)
            {
                var end = new List<HistoryEvent>
                {
                    new OrchestratorStartedEvent(-1) { Timestamp = now },
                    new ExecutionCompletedEvent(-1, null, OrchestrationStatus.Failed, failure) { Timestamp = now },
                };
                try
                {
                    if (await _store.CommitHistoryAsync(instanceId, snap.ExecutionId, false, state.Events.Count,
                            end.Select(e => new HistoryRow(e, null)).ToList(), snap.ETag, CancellationToken.None) is not null)
                        state.Append(end);
                }
                catch (Exception ex)
                {
                    _log.LogWarning(ex, "Could not record the poison failure of {InstanceId} in history.", instanceId);
                }
            }
            var start = state.Started;
            await _store.UpsertInstanceAsync(new InstanceRecord
            {
                InstanceId = instanceId, Name = start?.Name ?? (poison[0].Messages[0].Event as ExecutionStartedEvent)?.Name ?? "",
                ExecutionId = snap.ExecutionId, RuntimeStatus = OrchestrationStatus.Failed, CreatedTime = start?.Timestamp ?? now,
                LastUpdatedTime = now, CompletedTime = now, Input = start?.Input, FailureDetails = failure, CustomStatusKnown = false,
            }, CancellationToken.None);
            Notifier.Notify(instanceId);
            foreach (var item in poison) await _store.DeleteAsync(item, CancellationToken.None);
        }
        catch (Exception ex)
        {
            _log.LogError(ex, "Could not park poison messages of {InstanceId}; they will be retried.", instanceId);
            foreach (var item in poison) await SafeAbandonAsync(item, TimeSpan.FromSeconds(5));
        }
    }

    private async Task ReturnUnstartedAsync()
    {
        var back = new List<QueueItem>();
        lock (_sessionLock)
        {
            foreach (var (id, s) in _sessions.ToList())
            {
                back.AddRange(s.Pending);
                s.Pending = new();
                if (!s.Locked)
                {
                    _sessions.Remove(id);
                    _episodeSlots.Release();
                }
            }
        }
        while (_ready.Reader.TryRead(out _)) { }
        while (_activityQueue.Reader.TryRead(out var w)) AbandonActivityEntry(w);
        await Task.WhenAll(back.Select(i => SafeAbandonAsync(i, TimeSpan.Zero)));
    }
}
