using Fleet.Durable.Runtime;
using Fleet.Durable.Storage;

namespace Fleet.Durable.Client;

/// <summary>The client over a task hub's store: writes the Instances row, then sends the message, as DurableTask.AzureStorage does.</summary>
internal sealed class StoreDurableTaskClient(TaskHub hub) : DurableTaskClient(hub.Options.HubName)
{
    private IDurableStore Store => hub.Store;

    public override async Task<string> ScheduleNewOrchestrationInstanceAsync(TaskName orchestratorName, object? input = null,
        StartOrchestrationOptions? options = null, CancellationToken cancellation = default)
    {
        if (string.IsNullOrWhiteSpace(orchestratorName.Name)) throw new ArgumentException("An orchestrator name is required.", nameof(orchestratorName));
        string instanceId = options?.InstanceId ?? Guid.NewGuid().ToString("N");
        ValidateInstanceId(instanceId);
        await StartAsync(instanceId, orchestratorName.Name, DataConverter.Serialize(input), options?.StartAt, cancellation);
        return instanceId;
    }

    private async Task StartAsync(string instanceId, string name, string? input, DateTimeOffset? startAt, CancellationToken ct)
    {
        await hub.EnsureInitializedAsync();
        var now = DateTime.UtcNow;
        string executionId = Guid.NewGuid().ToString("N");
        DateTime? scheduled = startAt?.UtcDateTime;
        await Store.CreateInstanceAsync(new InstanceRecord
        {
            InstanceId = instanceId, Name = name, ExecutionId = executionId, RuntimeStatus = OrchestrationRuntimeStatus.Pending,
            CreatedTime = now, LastUpdatedTime = now, ScheduledStartTime = scheduled, Input = input,
        }, ct);
        hub.Notifier.Notify(instanceId);
        TimeSpan? delay = scheduled > now ? Min(scheduled.Value - now, TimeSpan.FromDays(6)) : null;
        try
        {
            await SendStartAsync();
        }
        catch
        {
            // Without its start message the row would say Pending forever: take it back, and let the caller retry.
            try { await Store.DeleteInstanceAsync(instanceId, CancellationToken.None); } catch { /* best effort */ }
            hub.Notifier.Notify(instanceId);
            throw;
        }

        Task SendStartAsync() => SendControlAsync(new TaskMessage
        {
            InstanceId = instanceId,
            ExecutionId = executionId,
            Event = new HistoryEvent
            {
                EventType = EventType.ExecutionStarted, Name = name, Input = input, InstanceId = instanceId, ExecutionId = executionId,
                Timestamp = now, CreatedTime = now, ScheduledStartTime = scheduled,
            },
        }, delay, ct);
    }

    // A start or event for an instance this process's worker polls is run here at once (see ILocalDispatch).
    private Task SendControlAsync(TaskMessage message, TimeSpan? delay, CancellationToken ct)
        => delay is null ? hub.SendControlAsync([message], ct) : Store.SendAsync(message, toWorkItems: false, delay, ct);

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    private static void ValidateInstanceId(string instanceId)
    {
        // Table keys forbid these characters; an empty id cannot be a partition key.
        if (instanceId.Length is 0 or > 256 || instanceId.IndexOfAny(['/', '\\', '#', '?']) >= 0 || instanceId.Any(char.IsControl))
            throw new ArgumentException($"Instance id '{instanceId}' is invalid: 1-256 characters without / \\ # ? or control characters.", nameof(instanceId));
    }

    public override Task RaiseEventAsync(string instanceId, string eventName, object? eventPayload = null, CancellationToken cancellation = default)
    {
        if (string.IsNullOrEmpty(eventName)) throw new ArgumentException("An event name is required.", nameof(eventName));
        return SendAsync(instanceId, new HistoryEvent { EventType = EventType.EventRaised, Name = eventName, Input = DataConverter.Serialize(eventPayload) }, cancellation);
    }

    private async Task SendAsync(string instanceId, HistoryEvent e, CancellationToken ct)
    {
        await hub.EnsureInitializedAsync();
        e.Timestamp = DateTime.UtcNow;
        await SendControlAsync(new TaskMessage { InstanceId = instanceId, Event = e }, null, ct);
    }

    public override Task TerminateInstanceAsync(string instanceId, object? output = null, CancellationToken cancellation = default)
        => SendAsync(instanceId, new HistoryEvent { EventType = EventType.ExecutionTerminated, Input = DataConverter.Serialize(output) }, cancellation);

    public override Task SuspendInstanceAsync(string instanceId, string? reason = null, CancellationToken cancellation = default)
        => SendAsync(instanceId, new HistoryEvent { EventType = EventType.ExecutionSuspended, Input = reason }, cancellation);

    public override Task ResumeInstanceAsync(string instanceId, string? reason = null, CancellationToken cancellation = default)
        => SendAsync(instanceId, new HistoryEvent { EventType = EventType.ExecutionResumed, Input = reason }, cancellation);

    public override async Task<OrchestrationMetadata?> GetInstanceAsync(string instanceId, bool getInputsAndOutputs = false, CancellationToken cancellation = default)
    {
        await hub.EnsureInitializedAsync();
        var r = await Store.GetInstanceAsync(instanceId, getInputsAndOutputs, cancellation);
        return r is null ? null : ToMetadata(r);
    }

    internal static OrchestrationMetadata ToMetadata(InstanceRecord r) => new(r.Name, r.InstanceId)
    {
        RuntimeStatus = r.RuntimeStatus,
        CreatedAt = new DateTimeOffset(DateTime.SpecifyKind(r.CreatedTime, DateTimeKind.Utc)),
        LastUpdatedAt = new DateTimeOffset(DateTime.SpecifyKind(r.LastUpdatedTime, DateTimeKind.Utc)),
        SerializedInput = r.Input,
        SerializedOutput = r.Output,
        SerializedCustomStatus = r.CustomStatus,
        FailureDetails = r.FailureDetails,
    };

    public override Task<OrchestrationMetadata> WaitForInstanceStartAsync(string instanceId, bool getInputsAndOutputs = false, CancellationToken cancellation = default)
        => WaitAsync(instanceId, getInputsAndOutputs, m => m.RuntimeStatus != OrchestrationRuntimeStatus.Pending, cancellation);

    public override Task<OrchestrationMetadata> WaitForInstanceCompletionAsync(string instanceId, bool getInputsAndOutputs = false, CancellationToken cancellation = default)
        => WaitAsync(instanceId, getInputsAndOutputs, m => m.IsCompleted, cancellation);

    private async Task<OrchestrationMetadata> WaitAsync(string instanceId, bool withPayloads, Func<OrchestrationMetadata, bool> done, CancellationToken ct)
    {
        var poll = hub.Options.MaxQueuePollingInterval;
        while (true)
        {
            // Take the notification before reading, so an update between the read and the wait is not missed.
            Task changed = hub.Notifier.GetWaitTask(instanceId);
            var m = await GetInstanceAsync(instanceId, withPayloads, ct);
            if (m is not null && done(m)) return m;
            // Updates made here wake the wait at once; those of other processes are seen by polling, backing off to 5 polling
            // intervals so that hundreds of waiting callers do not crowd the storage the workers need.
            var woke = await Task.WhenAny(changed, Task.Delay(poll, ct));
            ct.ThrowIfCancellationRequested();
            if (woke != changed && poll < hub.Options.MaxQueuePollingInterval * 5) poll *= 1.5;
        }
    }

    public override AsyncPageable<OrchestrationMetadata> GetAllInstancesAsync(OrchestrationQuery? filter = null)
    {
        filter ??= new OrchestrationQuery();
        var f = new InstanceFilter(filter.CreatedFrom?.UtcDateTime, filter.CreatedTo?.UtcDateTime, filter.Statuses?.ToHashSet(), filter.InstanceIdPrefix);
        return AsyncPageable<OrchestrationMetadata>.Create(async (token, size, ct) =>
        {
            await hub.EnsureInitializedAsync();
            var (page, next) = await Store.QueryInstancesAsync(f, size ?? filter.PageSize, token ?? filter.ContinuationToken, filter.FetchInputsAndOutputs, ct);
            return new Page<OrchestrationMetadata>(page.Select(ToMetadata).ToList(), next);
        });
    }

    public override async Task<PurgeResult> PurgeInstanceAsync(string instanceId, CancellationToken cancellation = default)
    {
        await hub.EnsureInitializedAsync();
        var r = await Store.GetInstanceAsync(instanceId, false, cancellation);
        // Only finished instances are purged: deleting a running one would orphan its queued messages.
        if (r is null || !r.IsFinal) return new PurgeResult(0);
        hub.Cache.TryRemove(instanceId, out _);
        bool deleted = await Store.DeleteInstanceAsync(instanceId, cancellation);
        hub.Cache.TryRemove(instanceId, out _);
        return new PurgeResult(deleted ? 1 : 0);
    }

    public override async Task<PurgeResult> PurgeAllInstancesAsync(PurgeInstancesFilter filter, CancellationToken cancellation = default)
    {
        await hub.EnsureInitializedAsync();
        var statuses = filter.Statuses?.ToHashSet() ?? [OrchestrationRuntimeStatus.Completed, OrchestrationRuntimeStatus.Failed, OrchestrationRuntimeStatus.Terminated];
        var f = new InstanceFilter(filter.CreatedFrom?.UtcDateTime, filter.CreatedTo?.UtcDateTime, statuses, null);
        var ids = new List<string>();
        string? token = null;
        do
        {
            var (page, next) = await Store.QueryInstancesAsync(f, 100, token, false, cancellation);
            ids.AddRange(page.Where(r => r.IsFinal).Select(r => r.InstanceId));
            token = next;
        } while (token is not null);
        int count = 0;
        foreach (var id in ids)
        {
            hub.Cache.TryRemove(id, out _);
            if (await Store.DeleteInstanceAsync(id, cancellation)) count++;
        }
        return new PurgeResult(count);
    }

    public override async Task<string> RestartAsync(string instanceId, bool restartWithNewInstanceId = false, CancellationToken cancellation = default)
    {
        await hub.EnsureInitializedAsync();
        var r = await Store.GetInstanceAsync(instanceId, true, cancellation)
            ?? throw new ArgumentException($"An orchestration with the instance id '{instanceId}' was not found.", nameof(instanceId));
        string newId = restartWithNewInstanceId ? Guid.NewGuid().ToString("N") : instanceId;
        await StartAsync(newId, r.Name, r.Input, null, cancellation);
        return newId;
    }

    internal override async Task<IReadOnlyList<HistoryEvent>> GetHistoryAsync(string instanceId, CancellationToken cancellation = default)
    {
        await hub.EnsureInitializedAsync();
        return (await Store.LoadHistoryAsync(instanceId, cancellation)).Events;
    }
}
