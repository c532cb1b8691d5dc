using Fleet.Durable.Client;
using Fleet.Durable.Storage;
using Fleet.Durable.Worker;
using Microsoft.Extensions.Logging;

namespace Fleet.Durable.Runtime;

/// <summary>Runs orchestration episodes for the messages of one instance and checkpoints them in the crash-safe order:
/// send outbound messages, write history guarded by the sentinel ETag, update the Instances row, delete consumed messages.</summary>
internal sealed class OrchestrationDispatcher(TaskHub hub, DurableTaskRegistry registry, IServiceProvider services, ILoggerFactory loggerFactory)
{
    private static readonly TimeSpan OutOfOrderRetryDelay = TimeSpan.FromMilliseconds(500);
    private static readonly TimeSpan RowRefreshInterval = TimeSpan.FromSeconds(1);
    private readonly ILogger _log = loggerFactory.CreateLogger("Fleet.Durable.Orchestrations");
    // Episodes of one instance never overlap in this process; striped so the lock table does not grow with instances.
    private readonly SemaphoreSlim[] _locks = Enumerable.Range(0, 1024).Select(_ => new SemaphoreSlim(1, 1)).ToArray();

    private IDurableStore Store => hub.Store;

    public async Task ProcessAsync(string instanceId, List<QueueItem> items, CancellationToken ct)
    {
        var gate = _locks[StableHash.Fnv1a(instanceId) % (uint)_locks.Length];
        await gate.WaitAsync(ct);
        Settlement? settle = null;
        try
        {
            settle = await ProcessLockedAsync(instanceId, items, ct);
        }
        catch (Exception ex) when (!ct.IsCancellationRequested)
        {
            // Storage trouble: forget the cached history and let the messages come back, unless they keep failing.
            hub.Cache.TryRemove(instanceId, out _);
            _log.LogWarning(ex, "Episode of {InstanceId} failed; its messages will be retried.", instanceId);
            var poison = items.Where(i => i.DequeueCount >= hub.Options.MaxDequeueCount).ToList();
            if (poison.Count > 0) await ParkPoisonAsync(instanceId, poison, ex);
            await Task.WhenAll(items.Except(poison).Select(i => SafeAbandon(i, TimeSpan.FromSeconds(1))));
        }
        finally
        {
            gate.Release();
        }
        // Deleting consumed messages needs no lock: the checkpoint is written, and a message that comes back is dropped as a duplicate.
        if (settle is not null)
        {
            try { await FinishAsync(settle.Consumed, settle.Abandon, ct); }
            catch (Exception ex) when (!ct.IsCancellationRequested) { _log.LogDebug(ex, "Settling the messages of {InstanceId} failed; they come back and are dropped.", instanceId); }
        }
    }

    /// <summary>What to do with an episode's queue messages once its checkpoint is complete.</summary>
    private sealed record Settlement(List<QueueItem> Consumed, List<(QueueItem Item, TimeSpan Delay)> Abandon);

    /// <summary>Moves messages that failed <see cref="DurableTaskOptions.MaxDequeueCount"/> times to the poison store and fails
    /// their instance with the reason (in history when that can still be written, and in the Instances row).</summary>
    private async Task ParkPoisonAsync(string instanceId, List<QueueItem> poison, Exception error)
    {
        string reason = $"{poison.Count} message(s) for this instance failed {hub.Options.MaxDequeueCount} times and were moved to the poison store: {error.Message}";
        _log.LogError(error, "Instance {InstanceId} failed: {Reason}", instanceId, reason);
        var failure = new TaskFailureDetails("PoisonMessage", reason, null, null);
        try
        {
            foreach (var item in poison) await Store.WritePoisonAsync(item, reason, CancellationToken.None);
            var snap = await Store.LoadHistoryAsync(instanceId, CancellationToken.None);
            var state = new InstanceState(instanceId, snap.Events, snap.ExecutionId, snap.ETag);
            var now = DateTime.UtcNow;
            if (state.Started is not null && !state.IsFinal && snap.ExecutionId is not null)
            {
                var end = new List<HistoryEvent>
                {
                    new() { EventType = EventType.OrchestratorStarted, Timestamp = now },
                    new() { EventType = EventType.ExecutionCompleted, Timestamp = now, OrchestrationStatus = nameof(OrchestrationRuntimeStatus.Failed), FailureDetails = failure },
                };
                try
                {
                    if (await Store.CommitHistoryAsync(instanceId, snap.ExecutionId, false, state.History.Count, end, snap.ETag, CancellationToken.None) is not null)
                        state.Append(end);
                }
                catch (Exception ex)
                {
                    _log.LogWarning(ex, "Could not record the poison failure of {InstanceId} in history.", instanceId);
                }
            }
            var record = new InstanceRecord
            {
                InstanceId = instanceId, Name = state.Started?.Name ?? poison[0].Messages[0].Event.Name ?? "", ExecutionId = snap.ExecutionId,
                RuntimeStatus = OrchestrationRuntimeStatus.Failed, CreatedTime = state.Started?.CreatedTime ?? state.Started?.Timestamp ?? now,
                LastUpdatedTime = now, CompletedTime = now, Input = state.Started?.Input, FailureDetails = failure, CustomStatusKnown = false,
            };
            await Store.UpsertInstanceAsync(record, CancellationToken.None);
            hub.Notifier.Notify(instanceId);
            foreach (var item in poison) await Store.DeleteAsync(item, CancellationToken.None);
        }
        catch (Exception ex)
        {
            _log.LogError(ex, "Could not park poison messages of {InstanceId}; they will be retried.", instanceId);
            foreach (var item in poison) await SafeAbandon(item, TimeSpan.FromSeconds(5));
        }
    }

    private async Task SafeAbandon(QueueItem item, TimeSpan delay)
    {
        try { await Store.AbandonAsync(item, delay, CancellationToken.None); } catch { /* visibility timeout brings it back */ }
    }

    private async Task<InstanceState> LoadAsync(string instanceId, CancellationToken ct)
    {
        if (hub.Cache.TryGetValue(instanceId, out var cached)) return cached;
        var snap = await Store.LoadHistoryAsync(instanceId, ct);
        var state = new InstanceState(instanceId, snap.Events, snap.ExecutionId, snap.ETag);
        if (hub.Cache.Count > 20_000) hub.Cache.Clear();
        hub.Cache[instanceId] = state;
        return state;
    }

    private async Task<Settlement?> ProcessLockedAsync(string instanceId, List<QueueItem> items, CancellationToken ct)
    {
        long started = System.Diagnostics.Stopwatch.GetTimestamp();
        var state = await LoadAsync(instanceId, ct);
        var now = DateTime.UtcNow;
        var cur = state;
        bool reset = false;
        var accepted = new List<TaskMessage>();
        var acceptedIds = new HashSet<string>();
        // Messages to see again later; an item whose messages are all deferred is abandoned, a mixed one is split.
        var deferred = new List<(QueueItem Item, TaskMessage Message, TimeSpan Delay)>();
        bool sawDuplicate = false;
        bool startAccepted = false;
        var rejected = new List<HistoryEvent>();
        var entries = items.SelectMany(i => i.Messages.Select(m => (Item: i, Message: m)));

        // A start is handled before anything else that came in the same batch.
        foreach (var (item, m) in entries.OrderBy(x => x.Message.Event.EventType == EventType.ExecutionStarted ? 0 : 1))
        {
            var e = m.Event;
            if (cur.MessageIds.Contains(m.MessageId) || acceptedIds.Contains(m.MessageId))
            {
                sawDuplicate = true;
                continue;
            }
            void Later(TimeSpan delay) => deferred.Add((item, m, delay));
            if (e.EventType == EventType.ExecutionStarted)
            {
                if (e.ScheduledStartTime is { } at && at > now.AddMilliseconds(20))
                {
                    Later(Min(at - now, TimeSpan.FromDays(6)));
                }
                else if (cur.Started is null && !startAccepted)
                {
                    if (cur.ExecutionId is not null && cur.ExecutionId != m.ExecutionId) reset = true;
                    cur = Fresh(instanceId, m.ExecutionId, cur);
                    Accept(m);
                    startAccepted = true;
                }
                else if (cur.IsFinal && m.ExecutionId != cur.ExecutionId && accepted.Count == 0)
                {
                    // A new execution under a finished id (restart, reuse, ContinueAsNew): its history starts empty.
                    reset = true;
                    cur = Fresh(instanceId, m.ExecutionId, cur);
                    Accept(m);
                    startAccepted = true;
                }
                else if (e.ParentInstanceId is not null && m.ExecutionId != cur.ExecutionId && !cur.IsFinal)
                {
                    // A sub-orchestration whose chosen id is taken by a running instance: its parent must not wait forever.
                    rejected.Add(e);
                }
                continue;
            }
            if (cur.Started is null && !startAccepted)
            {
                // Not started yet (scheduled start, or a start message still on its way): try again later, then give up.
                if (item.DequeueCount < 20) Later(TimeSpan.FromSeconds(1));
                continue;
            }
            if (cur.IsFinal)
            {
                // After ContinueAsNew the next execution's start is on its way; events for it wait for it.
                if (cur.Status == OrchestrationRuntimeStatus.ContinuedAsNew && item.DequeueCount < 50)
                    Later(item.DequeueCount < 5 ? TimeSpan.Zero : TimeSpan.FromSeconds(1));
                continue;
            }
            if (e.EventType == EventType.TimerFired && e.FireAt is { } due && due > now.AddMilliseconds(5))
            {
                // Delivered early (queue delays are coarse): hide it again until it is due.
                Later(due - now);
                continue;
            }
            if (InstanceState.IsCompletion(e.EventType))
            {
                if (m.ExecutionId is not null && m.ExecutionId != cur.ExecutionId) continue;
                if (cur.Completed.Contains(e.TaskScheduledId)) continue;
                if (!cur.Scheduled.Contains(e.TaskScheduledId))
                {
                    // Out of order: the completion overtook the checkpoint that scheduled it.
                    if (item.DequeueCount < 50) Later(OutOfOrderRetryDelay);
                    continue;
                }
                cur.Completed.Add(e.TaskScheduledId);
            }
            Accept(m);
        }

        void Accept(TaskMessage m)
        {
            accepted.Add(m);
            acceptedIds.Add(m.MessageId);
        }

        foreach (var childStart in rejected)
        {
            var refused = new List<(TaskMessage, bool, TimeSpan?)>();
            NotifyParent(childStart, OrchestrationRuntimeStatus.Failed, null, new TaskFailureDetails(typeof(OrchestrationAlreadyExistsException).FullName!,
                $"An orchestration with instance id '{instanceId}' already exists and is {cur.Status}.", null, null), refused);
            foreach (var (message, _, _) in refused) await Store.SendAsync(message, false, null, ct);
        }

        // Items with nothing deferred are consumed by this episode; all-deferred ones are abandoned; mixed ones are split.
        var abandon = new List<(QueueItem Item, TimeSpan Delay)>();
        var consumed = new List<QueueItem>();
        foreach (var item in items)
        {
            var mine = deferred.Where(d => d.Item == item).ToList();
            if (mine.Count == 0) consumed.Add(item);
            else if (mine.Count == item.Messages.Count) abandon.Add((item, mine.Min(d => d.Delay)));
            else
            {
                // The deferred messages go back as messages of their own (same ids, so a redelivery of the original is dropped).
                await Task.WhenAll(mine.Select(d => Store.SendAsync(d.Message, false, d.Delay, ct)));
                consumed.Add(item);
            }
        }

        if (accepted.Count == 0)
        {
            _log.LogDebug("Episode {InstanceId}: nothing new ({Deferred} deferred).", instanceId, deferred.Count);
            // Redelivered messages mean a previous checkpoint may have stopped before updating the Instances row (DurableTask #1252).
            if (sawDuplicate && cur.Started is not null) await WriteInstanceRowAsync(cur, now, ct, force: true);
            return new Settlement(consumed, abandon);
        }

        var newEvents = new List<HistoryEvent> { new() { EventType = EventType.OrchestratorStarted, Timestamp = now } };
        foreach (var message in accepted)
        {
            var e = message.Event.Clone();
            e.MessageId = message.MessageId;
            if (e.Timestamp == default) e.Timestamp = now;
            newEvents.Add(e);
        }
        var start = cur.Started ?? newEvents.First(e => e.EventType == EventType.ExecutionStarted);
        string executionId = cur.ExecutionId ?? StartExecutionId(accepted) ?? Guid.NewGuid().ToString("N");
        var outbound = new List<(TaskMessage Message, bool WorkItem, TimeSpan? Delay)>();
        ExecutionResult? result = null;

        var terminate = newEvents.FirstOrDefault(e => e.EventType == EventType.ExecutionTerminated);
        if (terminate is not null)
        {
            newEvents.Add(new HistoryEvent
            {
                EventType = EventType.ExecutionCompleted, Timestamp = now, OrchestrationStatus = nameof(OrchestrationRuntimeStatus.Terminated), Result = terminate.Input,
            });
            NotifyParent(start, OrchestrationRuntimeStatus.Failed, null,
                new TaskFailureDetails("OrchestrationTerminated", $"Sub-orchestration '{instanceId}' was terminated.", null, null), outbound);
        }
        else
        {
            result = RunEpisode(instanceId, start, cur.History, newEvents);
            foreach (var action in result.Actions) newEvents.Add(Outbound(instanceId, executionId, start.Name ?? "", action, now, outbound));
            if (result.FinalStatus is { } status)
            {
                newEvents.Add(new HistoryEvent
                {
                    EventType = EventType.ExecutionCompleted, Timestamp = now, OrchestrationStatus = status.ToString(),
                    Result = status == OrchestrationRuntimeStatus.ContinuedAsNew ? result.ContinueAsNewInput : result.Output,
                    FailureDetails = result.Failure,
                });
                if (status == OrchestrationRuntimeStatus.ContinuedAsNew) ContinueAsNew(instanceId, start, result, now, outbound);
                else NotifyParent(start, status, result.Output, result.Failure, outbound);
            }
        }

        // 1. Outbound messages first: a crash after this replays the episode, and receivers drop the duplicates.
        var claimed = await SendOutboundAsync(outbound, ct);

        // 2. History, guarded by the sentinel's ETag: a conflict means another worker moved this instance on.
        string? etag;
        try
        {
            etag = await Store.CommitHistoryAsync(instanceId, executionId, reset, reset ? 0 : cur.History.Count, newEvents, state.ETag, ct);
        }
        finally
        {
            // Claimed work items start only now, so their results cannot overtake the checkpoint that schedules them. They run even
            // if the checkpoint failed: activities are at least once, and results nobody scheduled are dropped.
            foreach (var (item, slots, owner) in claimed) owner.RunActivities(item, slots);
        }
        if (etag is null)
        {
            DurableEngineCounters.OnSentinelConflict();
            hub.Cache.TryRemove(instanceId, out _);
            _log.LogInformation("Checkpoint conflict for {InstanceId}; abandoning the episode.", instanceId);
            await Task.WhenAll(items.Select(i => SafeAbandon(i, TimeSpan.Zero)));
            return null;
        }
        DurableEngineCounters.OnEpisodeCommitted();
        cur.ETag = etag;
        cur.ExecutionId = executionId;
        cur.Append(newEvents);
        if (result is not null)
        {
            cur.CustomStatus = result.CustomStatus;
            cur.CustomStatusKnown = true;
        }
        hub.Cache[instanceId] = cur;

        // 3. The Instances row, after history, so it never claims more than history has.
        await WriteInstanceRowAsync(cur, now, ct);

        // 4. Only now are the consumed messages gone.
        if (_log.IsEnabled(LogLevel.Debug))
            _log.LogDebug("Episode {InstanceId}: {Accepted} accepted, {Deferred} deferred, {Events} events, {Outbound} sent, {Ms:F1} ms.",
                instanceId, accepted.Count, deferred.Count, newEvents.Count, outbound.Count, System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        return new Settlement(consumed, abandon);
    }

    /// <summary>Work items go out in queue messages of up to <see cref="DurableTaskOptions.WorkItemBatchSize"/> activities each
    /// (a fan-out of 1,000 is then tens of queue messages, not 1,000); those this process has free activity slots for are sent
    /// claimed and returned, to be run here once the checkpoint that schedules them is written. Other messages go one by one.</summary>
    private async Task<List<(QueueItem Item, int Slots, ILocalDispatch Local)>> SendOutboundAsync(List<(TaskMessage Message, bool WorkItem, TimeSpan? Delay)> outbound, CancellationToken ct)
    {
        var claimed = new List<(QueueItem Item, int Slots, ILocalDispatch Local)>();
        var sends = outbound.Where(o => !(o.WorkItem && o.Delay is null))
            .Select(o => o.Delay is null && !o.WorkItem ? hub.SendControlAsync([o.Message], ct) : Store.SendAsync(o.Message, o.WorkItem, o.Delay, ct)).ToList();
        var local = hub.Local;
        foreach (var chunk in outbound.Where(o => o.WorkItem && o.Delay is null).Select(o => o.Message).Chunk(hub.Options.WorkItemBatchSize))
        {
            int slots = local?.TryTakeActivitySlots(chunk.Length) ?? 0;
            if (slots == 0)
            {
                sends.Add(Store.SendAsync(chunk, true, null, null, ct));
                continue;
            }
            sends.Add(ClaimAsync(chunk, slots));
        }
        try
        {
            await Task.WhenAll(sends);
        }
        catch
        {
            // Claimed items already sent become visible when their claim runs out; the episode is retried.
            foreach (var (_, slots, owner) in claimed) owner.ReleaseActivitySlots(slots);
            throw;
        }
        return claimed;

        async Task ClaimAsync(TaskMessage[] chunk, int slots)
        {
            QueueItem? item;
            try
            {
                item = await Store.SendAsync(chunk, true, null, hub.Options.MessageVisibilityTimeout, ct);
            }
            catch
            {
                local!.ReleaseActivitySlots(slots);
                throw;
            }
            lock (claimed) claimed.Add((item!, slots, local!));
        }
    }

    private static string? StartExecutionId(List<TaskMessage> accepted)
        => accepted.FirstOrDefault(a => a.Event.EventType == EventType.ExecutionStarted)?.ExecutionId;

    private static InstanceState Fresh(string instanceId, string? executionId, InstanceState old)
        => new(instanceId, new List<HistoryEvent>(), executionId, old.ETag);

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    private ExecutionResult RunEpisode(string instanceId, HistoryEvent start, List<HistoryEvent> past, List<HistoryEvent> fresh)
    {
        string name = start.Name ?? "";
        if (!registry.Orchestrators.TryGetValue(name, out var factory))
        {
            return new ExecutionResult
            {
                FinalStatus = OrchestrationRuntimeStatus.Failed,
                Failure = new TaskFailureDetails("OrchestratorTaskNotFound", $"No orchestrator named '{name}' is registered.", null, null),
            };
        }
        ITaskOrchestrator orchestrator;
        try
        {
            orchestrator = factory(services);
        }
        catch (Exception ex)
        {
            return new ExecutionResult { FinalStatus = OrchestrationRuntimeStatus.Failed, Failure = TaskFailureDetails.FromException(ex) };
        }
        var result = OrchestrationExecutor.Execute(orchestrator, instanceId, past, fresh, hub.Options.MaximumTimerInterval, loggerFactory);
        if (result.Failure?.ErrorType == OrchestrationExecutor.NonDeterminismErrorType)
            _log.LogError("Instance {InstanceId} failed: {Message}", instanceId, result.Failure.ErrorMessage);
        return result;
    }

    private static HistoryEvent Outbound(string instanceId, string executionId, string name, HistoryEvent action, DateTime now,
        List<(TaskMessage, bool, TimeSpan?)> outbound)
    {
        switch (action.EventType)
        {
            case EventType.TaskScheduled:
                outbound.Add((new TaskMessage { InstanceId = instanceId, ExecutionId = executionId, Event = action.Clone() }, true, null));
                break;
            case EventType.TimerCreated:
                var fireAt = action.FireAt ?? now;
                outbound.Add((new TaskMessage
                {
                    InstanceId = instanceId, ExecutionId = executionId,
                    Event = new HistoryEvent { EventType = EventType.TimerFired, TaskScheduledId = action.EventId, FireAt = fireAt, Timestamp = fireAt },
                }, false, fireAt > now ? fireAt - now : null));
                break;
            case EventType.SubOrchestrationInstanceCreated:
                action.ExecutionId = Guid.NewGuid().ToString("N");
                outbound.Add((new TaskMessage
                {
                    InstanceId = action.InstanceId!, ExecutionId = action.ExecutionId,
                    Event = new HistoryEvent
                    {
                        EventType = EventType.ExecutionStarted, Name = action.Name, Input = action.Input, InstanceId = action.InstanceId,
                        ExecutionId = action.ExecutionId, ParentInstanceId = instanceId, ParentName = name, ParentExecutionId = executionId,
                        ParentTaskScheduledId = action.EventId, Timestamp = now, CreatedTime = now,
                    },
                }, false, null));
                break;
            case EventType.EventSent:
                outbound.Add((new TaskMessage
                {
                    InstanceId = action.InstanceId!,
                    Event = new HistoryEvent { EventType = EventType.EventRaised, Name = action.Name, Input = action.Input, Timestamp = now },
                }, false, null));
                break;
        }
        return action;
    }

    private static void NotifyParent(HistoryEvent start, OrchestrationRuntimeStatus status, string? output, TaskFailureDetails? failure,
        List<(TaskMessage, bool, TimeSpan?)> outbound)
    {
        if (start.ParentInstanceId is null) return;
        var e = status == OrchestrationRuntimeStatus.Completed
            ? new HistoryEvent { EventType = EventType.SubOrchestrationInstanceCompleted, Result = output }
            : new HistoryEvent { EventType = EventType.SubOrchestrationInstanceFailed, FailureDetails = failure };
        e.TaskScheduledId = start.ParentTaskScheduledId;
        e.Timestamp = DateTime.UtcNow;
        outbound.Add((new TaskMessage { InstanceId = start.ParentInstanceId, ExecutionId = start.ParentExecutionId, Event = e }, false, null));
    }

    private static void ContinueAsNew(string instanceId, HistoryEvent start, ExecutionResult result, DateTime now,
        List<(TaskMessage, bool, TimeSpan?)> outbound)
    {
        // The new execution starts from a message to itself; events not yet consumed follow it.
        string executionId = Guid.NewGuid().ToString("N");
        var next = start.Clone();
        next.MessageId = null;
        next.Input = result.ContinueAsNewInput;
        next.ExecutionId = executionId;
        next.Timestamp = now;
        next.ScheduledStartTime = null;
        outbound.Add((new TaskMessage { InstanceId = instanceId, ExecutionId = executionId, Event = next }, false, null));
        foreach (var carried in result.CarryOverEvents)
        {
            var e = carried.Clone();
            e.MessageId = null;
            outbound.Add((new TaskMessage { InstanceId = instanceId, Event = e }, false, null));
        }
    }

    private async Task WriteInstanceRowAsync(InstanceState s, DateTime now, CancellationToken ct, bool force = false)
    {
        var start = s.Started!;
        var status = s.Status;
        var finished = s.Finished;
        bool continued = status == OrchestrationRuntimeStatus.ContinuedAsNew;
        // A running instance whose row would change only in lastUpdatedTime is rewritten at most every RowRefreshInterval:
        // one table write fewer per episode of a chain or fan-out, with lastUpdatedTime still current to within a second.
        var written = (status, s.CustomStatusKnown ? s.CustomStatus : null, s.ExecutionId);
        if (!force && status == OrchestrationRuntimeStatus.Running && s.RowWritten is { } last && last.Row == written && now - last.At < RowRefreshInterval)
            return;
        await Store.UpsertInstanceAsync(new InstanceRecord
        {
            InstanceId = s.InstanceId,
            Name = start.Name ?? "",
            ExecutionId = s.ExecutionId,
            // ContinueAsNew is shown as Running: the next execution is already queued.
            RuntimeStatus = continued ? OrchestrationRuntimeStatus.Running : status,
            CreatedTime = start.CreatedTime ?? start.Timestamp,
            LastUpdatedTime = now,
            CompletedTime = finished is not null && !continued ? finished.Timestamp : null,
            ScheduledStartTime = start.ScheduledStartTime,
            Input = continued ? finished!.Result ?? start.Input : start.Input,
            Output = continued ? null : finished?.Result,
            FailureDetails = continued ? null : finished?.FailureDetails,
            CustomStatus = s.CustomStatus,
            CustomStatusKnown = s.CustomStatusKnown,
        }, ct);
        s.RowWritten = (written, now);
        hub.Notifier.Notify(s.InstanceId);
    }

    private async Task FinishAsync(List<QueueItem> done, List<(QueueItem Item, TimeSpan Delay)> later, CancellationToken ct)
    {
        await Task.WhenAll(done.Select(i => Store.DeleteAsync(i, ct)).Concat(later.Select(l => Store.AbandonAsync(l.Item, l.Delay, ct))));
    }
}
