namespace Fleet.Durable.Client;

/// <summary>Starts, queries and manages orchestration instances (Microsoft.DurableTask.Client's DurableTaskClient).</summary>
public abstract class DurableTaskClient : IAsyncDisposable
{
    /// <summary>Creates the client.</summary>
    /// <param name="name">The client's name (the task hub name).</param>
    protected DurableTaskClient(string name) => Name = name;

    /// <summary>Gets the client's name.</summary>
    public string Name { get; }

    /// <summary>Schedules a new orchestration instance and returns its id.</summary>
    /// <param name="orchestratorName">The orchestrator's name.</param>
    /// <param name="input">Its input.</param>
    /// <param name="options">Instance id and scheduled start.</param>
    /// <param name="cancellation">Cancels the call.</param>
    /// <exception cref="OrchestrationAlreadyExistsException">An instance with that id is still active (an <see cref="InvalidOperationException"/>).</exception>
    public abstract Task<string> ScheduleNewOrchestrationInstanceAsync(TaskName orchestratorName, object? input = null,
        StartOrchestrationOptions? options = null, CancellationToken cancellation = default);

    /// <summary>Schedules a new orchestration instance without input.</summary>
    /// <param name="orchestratorName">The orchestrator's name.</param>
    /// <param name="options">Instance id and scheduled start.</param>
    /// <param name="cancellation">Cancels the call.</param>
    public virtual Task<string> ScheduleNewOrchestrationInstanceAsync(TaskName orchestratorName, StartOrchestrationOptions? options, CancellationToken cancellation = default)
        => ScheduleNewOrchestrationInstanceAsync(orchestratorName, null, options, cancellation);

    /// <summary>Schedules a new orchestration instance.</summary>
    /// <param name="orchestratorName">The orchestrator's name.</param>
    /// <param name="cancellation">Cancels the call.</param>
    public virtual Task<string> ScheduleNewOrchestrationInstanceAsync(TaskName orchestratorName, CancellationToken cancellation)
        => ScheduleNewOrchestrationInstanceAsync(orchestratorName, null, null, cancellation);

    /// <summary>Sends an event to an instance.</summary>
    /// <param name="instanceId">The instance.</param>
    /// <param name="eventName">The event's name.</param>
    /// <param name="eventPayload">The payload.</param>
    /// <param name="cancellation">Cancels the call.</param>
    public abstract Task RaiseEventAsync(string instanceId, string eventName, object? eventPayload = null, CancellationToken cancellation = default);

    /// <summary>Waits until the instance has started (or finished).</summary>
    /// <param name="instanceId">The instance.</param>
    /// <param name="getInputsAndOutputs">Fetch input, output and custom status.</param>
    /// <param name="cancellation">Ends the wait.</param>
    public abstract Task<OrchestrationMetadata> WaitForInstanceStartAsync(string instanceId, bool getInputsAndOutputs = false, CancellationToken cancellation = default);

    /// <summary>Waits until the instance reached a final status.</summary>
    /// <param name="instanceId">The instance.</param>
    /// <param name="getInputsAndOutputs">Fetch input, output and custom status.</param>
    /// <param name="cancellation">Ends the wait.</param>
    public abstract Task<OrchestrationMetadata> WaitForInstanceCompletionAsync(string instanceId, bool getInputsAndOutputs = false, CancellationToken cancellation = default);

    /// <summary>Terminates an instance.</summary>
    /// <param name="instanceId">The instance.</param>
    /// <param name="output">The output recorded for the terminated instance.</param>
    /// <param name="cancellation">Cancels the call.</param>
    public abstract Task TerminateInstanceAsync(string instanceId, object? output = null, CancellationToken cancellation = default);

    /// <summary>Suspends an instance: it keeps receiving events but does not act on them until resumed.</summary>
    /// <param name="instanceId">The instance.</param>
    /// <param name="reason">Why.</param>
    /// <param name="cancellation">Cancels the call.</param>
    public abstract Task SuspendInstanceAsync(string instanceId, string? reason = null, CancellationToken cancellation = default);

    /// <summary>Resumes a suspended instance.</summary>
    /// <param name="instanceId">The instance.</param>
    /// <param name="reason">Why.</param>
    /// <param name="cancellation">Cancels the call.</param>
    public abstract Task ResumeInstanceAsync(string instanceId, string? reason = null, CancellationToken cancellation = default);

    /// <summary>Gets an instance's metadata, or null when it does not exist.</summary>
    /// <param name="instanceId">The instance.</param>
    /// <param name="getInputsAndOutputs">Fetch input, output and custom status.</param>
    /// <param name="cancellation">Cancels the call.</param>
    public abstract Task<OrchestrationMetadata?> GetInstanceAsync(string instanceId, bool getInputsAndOutputs = false, CancellationToken cancellation = default);

    /// <summary>Gets an instance's metadata, or null when it does not exist.</summary>
    /// <param name="instanceId">The instance.</param>
    /// <param name="cancellation">Cancels the call.</param>
    public virtual Task<OrchestrationMetadata?> GetInstanceAsync(string instanceId, CancellationToken cancellation)
        => GetInstanceAsync(instanceId, false, cancellation);

    /// <summary>Lists instances, page by page.</summary>
    /// <param name="filter">The query.</param>
    public abstract AsyncPageable<OrchestrationMetadata> GetAllInstancesAsync(OrchestrationQuery? filter = null);

    /// <summary>Deletes a finished instance's state and history.</summary>
    /// <param name="instanceId">The instance.</param>
    /// <param name="cancellation">Cancels the call.</param>
    public abstract Task<PurgeResult> PurgeInstanceAsync(string instanceId, CancellationToken cancellation = default);

    /// <summary>Deletes the state and history of every finished instance the filter selects.</summary>
    /// <param name="filter">The filter.</param>
    /// <param name="cancellation">Cancels the call.</param>
    public abstract Task<PurgeResult> PurgeAllInstancesAsync(PurgeInstancesFilter filter, CancellationToken cancellation = default);

    /// <summary>Starts an instance again with its original name and input, under the same id (once finished) or a new one.</summary>
    /// <param name="instanceId">The instance to restart.</param>
    /// <param name="restartWithNewInstanceId">Use a new instance id.</param>
    /// <param name="cancellation">Cancels the call.</param>
    /// <returns>The id of the restarted instance.</returns>
    public abstract Task<string> RestartAsync(string instanceId, bool restartWithNewInstanceId = false, CancellationToken cancellation = default);

    /// <summary>Gets the history of an instance's current execution as JSON objects (for the HTTP API's showHistory).</summary>
    /// <param name="instanceId">The instance.</param>
    /// <param name="cancellation">Cancels the call.</param>
    internal abstract Task<IReadOnlyList<Runtime.HistoryEvent>> GetHistoryAsync(string instanceId, CancellationToken cancellation = default);

    /// <inheritdoc/>
    public virtual ValueTask DisposeAsync()
    {
        GC.SuppressFinalize(this);
        return ValueTask.CompletedTask;
    }
}
