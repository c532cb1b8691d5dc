using DurableTask.Core;
using DurableTask.Core.History;
using DurableTask.Core.Query;
using Fleet.Durable.Messaging;
using Fleet.Durable.Tracking;
using Newtonsoft.Json;

namespace Fleet.Durable.Provider;

// The client side: creating instances, sending them messages, reading, querying and purging them.
public sealed partial class FleetOrchestrationService
{
    private static readonly OrchestrationStatus[] ActiveStatuses = [OrchestrationStatus.Pending, OrchestrationStatus.Running, OrchestrationStatus.Suspended];

    /// <inheritdoc />
    public Task CreateTaskOrchestrationAsync(TaskMessage creationMessage) => CreateTaskOrchestrationAsync(creationMessage, ActiveStatuses);

    /// <inheritdoc />
    public async Task CreateTaskOrchestrationAsync(TaskMessage creationMessage, OrchestrationStatus[]? dedupeStatuses)
    {
        if (creationMessage.Event is not ExecutionStartedEvent start)
            throw new ArgumentException("A creation message carries an ExecutionStartedEvent.", nameof(creationMessage));
        await EnsureInitializedAsync();
        var instance = creationMessage.OrchestrationInstance;
        var now = DateTime.UtcNow;
        if (start.Timestamp == default) start.Timestamp = now;
        bool fresh = await _store.CreateInstanceAsync(new InstanceRecord
        {
            InstanceId = instance.InstanceId, Name = start.Name, Version = start.Version, ExecutionId = instance.ExecutionId,
            RuntimeStatus = OrchestrationStatus.Pending, CreatedTime = start.Timestamp, LastUpdatedTime = now,
            ScheduledStartTime = start.ScheduledStartTime, Input = start.Input,
            ParentInstanceId = start.ParentInstance?.OrchestrationInstance?.InstanceId,
        }, dedupeStatuses ?? [], CancellationToken.None);
        // A brand-new id has no history: its first episode need not read it. (Were a stray sentinel there, the first checkpoint
        // would conflict, drop this guess and reload.)
        if (fresh) _cache[instance.InstanceId] = CachedHistory.Empty(instance.InstanceId, null, null);
        else _cache.TryRemove(instance.InstanceId, out _);
        var message = QueuedMessage.Of(creationMessage);
        try
        {
            if (start.ScheduledStartTime is { } at && at > now)
                await _store.SendAsync([message], false, at - now, null, CancellationToken.None);
            else
                await SendControlAsync([message], CancellationToken.None);
        }
        catch
        {
            // A start that was never sent leaves no Pending instance behind.
            try { await _store.DeleteInstanceAsync(instance.InstanceId, CancellationToken.None); } catch { /* the row stays Pending; a retry replaces it */ }
            throw;
        }
        Notifier.Notify(instance.InstanceId);
    }

    /// <inheritdoc />
    public Task SendTaskOrchestrationMessageAsync(TaskMessage message) => SendTaskOrchestrationMessageBatchAsync(message);

    /// <inheritdoc />
    public async Task SendTaskOrchestrationMessageBatchAsync(params TaskMessage[] messages)
    {
        await EnsureInitializedAsync();
        await Task.WhenAll(messages.GroupBy(m => m.OrchestrationInstance.InstanceId)
            .Select(g => SendControlAsync(g.Select(QueuedMessage.Of).ToList(), CancellationToken.None)));
    }

    /// <inheritdoc />
    public async Task<OrchestrationState?> WaitForOrchestrationAsync(string instanceId, string executionId, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + (timeout < TimeSpan.Zero || timeout > TimeSpan.FromDays(1) ? TimeSpan.FromDays(1) : timeout);
        var poll = TimeSpan.FromMilliseconds(100);
        while (true)
        {
            Task changed = Notifier.GetWaitTask(instanceId);
            var record = await _store.GetInstanceAsync(instanceId, true, cancellationToken);
            if (record is { IsFinal: true } && (string.IsNullOrEmpty(executionId) || record.ExecutionId == executionId)) return record.ToState();
            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero) return null;
            await Task.WhenAny(changed, Task.Delay(left < poll ? left : poll, cancellationToken));
            cancellationToken.ThrowIfCancellationRequested();
            if (poll < TimeSpan.FromSeconds(1)) poll *= 2;
        }
    }

    /// <inheritdoc />
    public Task ForceTerminateTaskOrchestrationAsync(string instanceId, string reason)
        => SendTaskOrchestrationMessageAsync(new TaskMessage
        {
            OrchestrationInstance = new OrchestrationInstance { InstanceId = instanceId },
            Event = new ExecutionTerminatedEvent(-1, reason),
        });

    /// <inheritdoc />
    public async Task<IList<OrchestrationState>> GetOrchestrationStateAsync(string instanceId, bool allExecutions)
    {
        var record = await _store.GetInstanceAsync(instanceId, true, CancellationToken.None);
        return record is null ? [] : [record.ToState()];
    }

    /// <inheritdoc />
    public async Task<OrchestrationState?> GetOrchestrationStateAsync(string instanceId, string? executionId)
    {
        var record = await _store.GetInstanceAsync(instanceId, true, CancellationToken.None);
        return record is null || !string.IsNullOrEmpty(executionId) && record.ExecutionId != executionId ? null : record.ToState();
    }

    /// <summary>Gets an instance's row without its input, output and custom status (cheaper on Azure Storage).</summary>
    internal Task<InstanceRecord?> GetInstanceRecordAsync(string instanceId, bool withPayloads, CancellationToken ct)
        => _store.GetInstanceAsync(instanceId, withPayloads, ct);

    /// <inheritdoc />
    public async Task<string> GetOrchestrationHistoryAsync(string instanceId, string? executionId)
        => JsonConvert.SerializeObject(await GetHistoryEventsAsync(instanceId), new JsonSerializerSettings { TypeNameHandling = TypeNameHandling.None });

    /// <summary>Gets the history of an instance's current execution.</summary>
    internal async Task<IList<HistoryEvent>> GetHistoryEventsAsync(string instanceId)
        => (await _store.LoadHistoryAsync(instanceId, CancellationToken.None)).Events;

    /// <inheritdoc />
    public async Task PurgeOrchestrationHistoryAsync(DateTime thresholdDateTimeUtc, OrchestrationStateTimeRangeFilterType timeRangeFilterType)
    {
        string? token = null;
        do
        {
            var (page, next) = await _store.QueryInstancesAsync(new InstanceFilter(null, null, null, null), 100, token, false, CancellationToken.None);
            foreach (var r in page.Where(r => r.IsFinal))
            {
                var time = timeRangeFilterType switch
                {
                    OrchestrationStateTimeRangeFilterType.OrchestrationCreatedTimeFilter => r.CreatedTime,
                    OrchestrationStateTimeRangeFilterType.OrchestrationCompletedTimeFilter => r.CompletedTime ?? r.LastUpdatedTime,
                    _ => r.LastUpdatedTime,
                };
                if (time < thresholdDateTimeUtc) await PurgeAsync(r.InstanceId);
            }
            token = next;
        } while (token is not null);
    }

    /// <inheritdoc />
    public async Task<OrchestrationQueryResult> GetOrchestrationWithQueryAsync(OrchestrationQuery query, CancellationToken cancellationToken)
    {
        var filter = new InstanceFilter(query.CreatedTimeFrom, query.CreatedTimeTo,
            query.RuntimeStatus is { Count: > 0 } s ? s.ToHashSet() : null, query.InstanceIdPrefix);
        var (page, next) = await _store.QueryInstancesAsync(filter, query.PageSize > 0 ? query.PageSize : 100, query.ContinuationToken,
            query.FetchInputsAndOutputs, cancellationToken);
        return new OrchestrationQueryResult(page.Select(r => r.ToState()).ToList(), next);
    }

    /// <inheritdoc />
    public async Task<PurgeResult> PurgeInstanceStateAsync(string instanceId)
    {
        var record = await _store.GetInstanceAsync(instanceId, false, CancellationToken.None);
        // Running instances are not purged (as DurableTask.AzureStorage and Durable Functions do): terminate them first.
        if (record is null || !record.IsFinal) return new PurgeResult(0);
        return new PurgeResult(await PurgeAsync(instanceId) ? 1 : 0);
    }

    /// <inheritdoc />
    public async Task<PurgeResult> PurgeInstanceStateAsync(PurgeInstanceFilter purgeInstanceFilter)
    {
        var statuses = purgeInstanceFilter.RuntimeStatus?.ToHashSet();
        var filter = new InstanceFilter(purgeInstanceFilter.CreatedTimeFrom, purgeInstanceFilter.CreatedTimeTo,
            statuses is { Count: > 0 } ? statuses : null, null);
        int deleted = 0;
        string? token = null;
        do
        {
            var (page, next) = await _store.QueryInstancesAsync(filter, 100, token, false, CancellationToken.None);
            foreach (var r in page.Where(r => r.IsFinal))
                if (await PurgeAsync(r.InstanceId)) deleted++;
            token = next;
        } while (token is not null);
        return new PurgeResult(deleted);
    }

    private async Task<bool> PurgeAsync(string instanceId)
    {
        _cache.TryRemove(instanceId, out _);
        bool existed = await _store.DeleteInstanceAsync(instanceId, CancellationToken.None);
        Notifier.Notify(instanceId);
        return existed;
    }
}
