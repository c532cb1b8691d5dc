using DurableTask.Core;
using DurableTask.Core.History;
using Fleet.Durable.Hosting;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Options;
using CoreQuery = DurableTask.Core.Query.OrchestrationQuery;
using CorePurgeResult = DurableTask.Core.PurgeResult;

namespace Fleet.Durable.Client;

/// <summary>Microsoft.DurableTask's <see cref="DurableTaskClient"/> over DurableTask.Core's client interfaces of the task hub's
/// provider (Fleet's or the stock Azure Storage one). Waits wake at once when this process commits the instance and otherwise
/// poll, backing off to five polling intervals.</summary>
public sealed class FleetDurableTaskClient : DurableTaskClient
{
    private static readonly OrchestrationStatus[] ActiveStatuses = [OrchestrationStatus.Pending, OrchestrationStatus.Running, OrchestrationStatus.Suspended];
    private readonly DurableTaskHub _hub;
    private readonly DataConverter _converter;

    /// <summary>Created by Microsoft.DurableTask.Client's builder.</summary>
    /// <param name="name">The client's name.</param>
    /// <param name="hub">The task hub and its provider.</param>
    /// <param name="options">The client options (data converter).</param>
    public FleetDurableTaskClient(string name, DurableTaskHub hub, IOptionsMonitor<DurableTaskClientOptions> options) : base(name)
    {
        _hub = hub;
        _converter = options.Get(name).DataConverter;
    }

    /// <summary>Gets the name of the task hub this client talks to.</summary>
    public string TaskHubName => _hub.Options.HubName;

    /// <inheritdoc />
    public override async Task<string> ScheduleNewOrchestrationInstanceAsync(TaskName orchestratorName, object? input = null,
        StartOrchestrationOptions? options = null, CancellationToken cancellation = default)
    {
        string instanceId = options?.InstanceId is { Length: > 0 } id ? id : Guid.NewGuid().ToString("N");
        string? serialized = input is RawInput raw ? raw.Json : _converter.Serialize(input);
        var start = new ExecutionStartedEvent(-1, serialized)
        {
            Name = orchestratorName.Name,
            Version = options?.Version?.ToString() ?? "",
            OrchestrationInstance = new OrchestrationInstance { InstanceId = instanceId, ExecutionId = Guid.NewGuid().ToString("N") },
            ScheduledStartTime = options?.StartAt?.UtcDateTime,
            Tags = options?.Tags?.ToDictionary(t => t.Key, t => t.Value),
            Timestamp = DateTime.UtcNow,
        };
        var dedupe = options?.DedupeStatuses is { Count: > 0 } statuses
            ? statuses.Select(s => Enum.Parse<OrchestrationStatus>(s, ignoreCase: true)).ToArray()
            : ActiveStatuses;
        await _hub.Client.CreateTaskOrchestrationAsync(new TaskMessage { Event = start, OrchestrationInstance = start.OrchestrationInstance }, dedupe);
        return instanceId;
    }

    /// <summary>An input or event payload already serialized as JSON (a restart passes the stored input on unchanged; the HTTP API
    /// passes request bodies on as they came).</summary>
    /// <param name="Json">The JSON text.</param>
    public sealed record RawInput(string? Json);

    /// <inheritdoc />
    public override Task RaiseEventAsync(string instanceId, string eventName, object? eventPayload = null, CancellationToken cancellation = default)
        => SendAsync(instanceId, new EventRaisedEvent(-1, eventPayload is RawInput raw ? raw.Json : _converter.Serialize(eventPayload)) { Name = eventName });

    /// <inheritdoc />
    public override Task TerminateInstanceAsync(string instanceId, TerminateInstanceOptions? options = null, CancellationToken cancellation = default)
        => _hub.Client.ForceTerminateTaskOrchestrationAsync(instanceId, _converter.Serialize(options?.Output));

    /// <inheritdoc />
    public override Task SuspendInstanceAsync(string instanceId, string? reason = null, CancellationToken cancellation = default)
        => SendAsync(instanceId, new ExecutionSuspendedEvent(-1, reason));

    /// <inheritdoc />
    public override Task ResumeInstanceAsync(string instanceId, string? reason = null, CancellationToken cancellation = default)
        => SendAsync(instanceId, new ExecutionResumedEvent(-1, reason));

    private Task SendAsync(string instanceId, HistoryEvent e)
        => _hub.Client.SendTaskOrchestrationMessageAsync(new TaskMessage { Event = e, OrchestrationInstance = new OrchestrationInstance { InstanceId = instanceId } });

    /// <inheritdoc />
    public override async Task<OrchestrationMetadata?> GetInstancesAsync(string instanceId, bool getInputsAndOutputs = false, CancellationToken cancellation = default)
    {
        if (_hub.Fleet is { } fleet)
        {
            // Fleet's provider reads the row without its payloads when they are not wanted.
            var record = await fleet.GetInstanceRecordAsync(instanceId, getInputsAndOutputs, cancellation);
            return record is null ? null : ToMetadata(record.ToState(), getInputsAndOutputs);
        }
        var states = await _hub.Client.GetOrchestrationStateAsync(instanceId, false);
        if (states.FirstOrDefault() is not { } state) return null;
        // The stock provider keeps a failure's details only in history.
        if (state.OrchestrationStatus == OrchestrationStatus.Failed && state.FailureDetails is null)
            state.FailureDetails = (await GetOrchestrationHistoryAsync(instanceId, cancellation)).OfType<ExecutionCompletedEvent>().LastOrDefault()?.FailureDetails;
        return ToMetadata(state, getInputsAndOutputs);
    }

    /// <inheritdoc />
    public override AsyncPageable<OrchestrationMetadata> GetAllInstancesAsync(OrchestrationQuery? filter = null)
        => Pageable.Create(async (string? continuation, int? pageSize, CancellationToken cancellation) =>
        {
            var query = new CoreQuery
            {
                CreatedTimeFrom = filter?.CreatedFrom?.UtcDateTime,
                CreatedTimeTo = filter?.CreatedTo?.UtcDateTime,
                RuntimeStatus = filter?.Statuses?.Select(s => (OrchestrationStatus)(int)s).ToList(),
                InstanceIdPrefix = filter?.InstanceIdPrefix,
                PageSize = pageSize ?? filter?.PageSize ?? OrchestrationQuery.DefaultPageSize,
                ContinuationToken = continuation ?? filter?.ContinuationToken,
                FetchInputsAndOutputs = filter?.FetchInputsAndOutputs ?? false,
            };
            var result = await _hub.Query.GetOrchestrationWithQueryAsync(query, cancellation);
            return new Page<OrchestrationMetadata>(result.OrchestrationState.Select(s => ToMetadata(s, query.FetchInputsAndOutputs)).ToList(),
                result.ContinuationToken is { Length: > 0 } next ? next : null);
        });

    /// <inheritdoc />
    public override Task<OrchestrationMetadata> WaitForInstanceStartAsync(string instanceId, bool getInputsAndOutputs = false, CancellationToken cancellation = default)
        => WaitAsync(instanceId, getInputsAndOutputs, m => m.RuntimeStatus != OrchestrationRuntimeStatus.Pending, cancellation);

    /// <inheritdoc />
    public override Task<OrchestrationMetadata> WaitForInstanceCompletionAsync(string instanceId, bool getInputsAndOutputs = false, CancellationToken cancellation = default)
        => WaitAsync(instanceId, getInputsAndOutputs, m => m.IsCompleted, cancellation);

    private async Task<OrchestrationMetadata> WaitAsync(string instanceId, bool getInputsAndOutputs, Func<OrchestrationMetadata, bool> done, CancellationToken ct)
    {
        var poll = TimeSpan.FromMilliseconds(50);
        var longest = _hub.Options.MaxQueuePollingInterval * 5;
        while (true)
        {
            Task changed = _hub.Notifier.GetWaitTask(instanceId);
            if (await GetInstancesAsync(instanceId, getInputsAndOutputs, ct) is { } m && done(m)) return m;
            // Woken at once by a commit in this process; instances moved on by another host are seen at the next poll.
            await Task.WhenAny(changed, Task.Delay(poll, ct));
            ct.ThrowIfCancellationRequested();
            poll = poll * 2 > longest ? longest : poll * 2;
        }
    }

    /// <inheritdoc />
    public override async Task<Microsoft.DurableTask.Client.PurgeResult> PurgeInstanceAsync(string instanceId, PurgeInstanceOptions? options = null, CancellationToken cancellation = default)
    {
        CorePurgeResult result = await _hub.Purge.PurgeInstanceStateAsync(instanceId);
        return new Microsoft.DurableTask.Client.PurgeResult(result.DeletedInstanceCount);
    }

    /// <inheritdoc />
    public override async Task<Microsoft.DurableTask.Client.PurgeResult> PurgeAllInstancesAsync(PurgeInstancesFilter filter, PurgeInstanceOptions? options = null, CancellationToken cancellation = default)
    {
        var statuses = filter.Statuses?.Select(s => (OrchestrationStatus)(int)s).ToList();
        CorePurgeResult result = await _hub.Purge.PurgeInstanceStateAsync(new PurgeInstanceFilter(
            filter.CreatedFrom?.UtcDateTime ?? DateTime.MinValue, filter.CreatedTo?.UtcDateTime, statuses is { Count: > 0 } ? statuses : null));
        return new Microsoft.DurableTask.Client.PurgeResult(result.DeletedInstanceCount);
    }

    /// <inheritdoc />
    public override async Task<string> RestartAsync(string instanceId, bool restartWithNewInstanceId = false, CancellationToken cancellation = default)
    {
        var old = await GetInstancesAsync(instanceId, true, cancellation)
            ?? throw new ArgumentException($"An orchestration with the instance id '{instanceId}' was not found.", nameof(instanceId));
        if (!restartWithNewInstanceId && !old.IsCompleted)
            throw new InvalidOperationException($"The orchestration '{instanceId}' is {old.RuntimeStatus}: only a finished instance can restart under the same id.");
        return await ScheduleNewOrchestrationInstanceAsync(old.Name, new RawInput(old.SerializedInput),
            new StartOrchestrationOptions(restartWithNewInstanceId ? null : instanceId), cancellation);
    }

    /// <inheritdoc />
    public override async Task RewindInstanceAsync(string instanceId, string reason, CancellationToken cancellation = default)
    {
        if (_hub.Stock is not { } stock)
            throw new NotSupportedException("Fleet's provider does not rewind instances: restart the failed instance instead.");
        await stock.RewindTaskOrchestrationAsync(instanceId, reason);
    }

    /// <inheritdoc />
    public override async Task<IList<HistoryEvent>> GetOrchestrationHistoryAsync(string instanceId, CancellationToken cancellation = default)
    {
        if (_hub.Fleet is { } fleet) return await fleet.GetHistoryEventsAsync(instanceId);
        return StockHistory.Parse(await _hub.Client.GetOrchestrationHistoryAsync(instanceId, null));
    }

    /// <inheritdoc />
    public override ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private OrchestrationMetadata ToMetadata(OrchestrationState state, bool withPayloads) => new(state.Name, state.OrchestrationInstance.InstanceId)
    {
        RuntimeStatus = (OrchestrationRuntimeStatus)(int)state.OrchestrationStatus,
        CreatedAt = new DateTimeOffset(DateTime.SpecifyKind(state.CreatedTime, DateTimeKind.Utc)),
        LastUpdatedAt = new DateTimeOffset(DateTime.SpecifyKind(state.LastUpdatedTime, DateTimeKind.Utc)),
        SerializedInput = withPayloads ? state.Input : null,
        SerializedOutput = withPayloads ? state.Output : null,
        SerializedCustomStatus = withPayloads && state.Status != "null" ? state.Status : null,
        FailureDetails = ToDetails(state.FailureDetails),
        DataConverter = _converter,
    };

    private static TaskFailureDetails? ToDetails(FailureDetails? f)
        => f is null ? null : new TaskFailureDetails(f.ErrorType, f.ErrorMessage, f.StackTrace, ToDetails(f.InnerFailure), null);
}
