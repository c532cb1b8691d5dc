using Microsoft.Extensions.Logging;

namespace Fleet.Durable;

/// <summary>The context an orchestrator runs in: its only way to schedule work, wait and read time (Microsoft.DurableTask's TaskOrchestrationContext).</summary>
/// <remarks>Orchestrator code replays from history, so it must be deterministic: use this context's time, GUIDs and logger,
/// never <see cref="DateTime.UtcNow"/>, <see cref="Guid.NewGuid"/>, I/O or <c>ConfigureAwait(false)</c>.</remarks>
public abstract class TaskOrchestrationContext
{
    /// <summary>Gets the orchestrator's name.</summary>
    public abstract TaskName Name { get; }

    /// <summary>Gets the instance id.</summary>
    public abstract string InstanceId { get; }

    /// <summary>Gets the parent orchestration, when this is a sub-orchestration.</summary>
    public abstract ParentOrchestrationInstance? Parent { get; }

    /// <summary>Gets the current time, taken from history so that it replays identically.</summary>
    public abstract DateTime CurrentUtcDateTime { get; }

    /// <summary>Gets whether the orchestrator is replaying history (true) or running new steps (false).</summary>
    public abstract bool IsReplaying { get; }

    /// <summary>Deserializes the orchestration's input.</summary>
    /// <typeparam name="T">The input type.</typeparam>
    public abstract T? GetInput<T>();

    /// <summary>Schedules an activity and returns its result.</summary>
    /// <typeparam name="TResult">The result type.</typeparam>
    /// <param name="name">The activity's name.</param>
    /// <param name="input">The activity's input.</param>
    /// <param name="options">Retry options.</param>
    public abstract Task<TResult> CallActivityAsync<TResult>(TaskName name, object? input = null, TaskOptions? options = null);

    /// <summary>Schedules an activity without a result.</summary>
    /// <param name="name">The activity's name.</param>
    /// <param name="input">The activity's input.</param>
    /// <param name="options">Retry options.</param>
    public virtual Task CallActivityAsync(TaskName name, object? input = null, TaskOptions? options = null)
        => CallActivityAsync<object>(name, input, options);

    /// <summary>Schedules an activity without input or options.</summary>
    /// <param name="name">The activity's name.</param>
    /// <param name="options">Retry options.</param>
    public virtual Task CallActivityAsync(TaskName name, TaskOptions options) => CallActivityAsync<object>(name, null, options);

    /// <summary>Starts a sub-orchestration and returns its output.</summary>
    /// <typeparam name="TResult">The output type.</typeparam>
    /// <param name="orchestratorName">The orchestrator's name.</param>
    /// <param name="input">Its input.</param>
    /// <param name="options">Retry options and instance id (<see cref="SubOrchestrationOptions"/>).</param>
    public abstract Task<TResult> CallSubOrchestratorAsync<TResult>(TaskName orchestratorName, object? input = null, TaskOptions? options = null);

    /// <summary>Starts a sub-orchestration without a result.</summary>
    /// <param name="orchestratorName">The orchestrator's name.</param>
    /// <param name="input">Its input.</param>
    /// <param name="options">Retry options and instance id.</param>
    public virtual Task CallSubOrchestratorAsync(TaskName orchestratorName, object? input = null, TaskOptions? options = null)
        => CallSubOrchestratorAsync<object>(orchestratorName, input, options);

    /// <summary>Creates a durable timer that fires at <paramref name="fireAt"/> (UTC).</summary>
    /// <param name="fireAt">When the timer fires.</param>
    /// <param name="cancellationToken">Cancels the wait (the timer itself stays in history).</param>
    public abstract Task CreateTimer(DateTime fireAt, CancellationToken cancellationToken);

    /// <summary>Creates a durable timer that fires after <paramref name="delay"/>.</summary>
    /// <param name="delay">How long to wait.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    public virtual Task CreateTimer(TimeSpan delay, CancellationToken cancellationToken) => CreateTimer(CurrentUtcDateTime.Add(delay), cancellationToken);

    /// <summary>Waits for an external event (events that arrived before the wait are buffered).</summary>
    /// <typeparam name="T">The payload type.</typeparam>
    /// <param name="eventName">The event's name (case-insensitive).</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    public abstract Task<T> WaitForExternalEvent<T>(string eventName, CancellationToken cancellationToken = default);

    /// <summary>Waits for an external event at most <paramref name="timeout"/>; throws <see cref="TaskCanceledException"/> on timeout.</summary>
    /// <typeparam name="T">The payload type.</typeparam>
    /// <param name="eventName">The event's name.</param>
    /// <param name="timeout">How long to wait.</param>
    public virtual Task<T> WaitForExternalEvent<T>(string eventName, TimeSpan timeout) => WaitForExternalEvent<T>(eventName, timeout, CancellationToken.None);

    /// <summary>Waits for an external event at most <paramref name="timeout"/>; throws <see cref="TaskCanceledException"/> on timeout.</summary>
    /// <typeparam name="T">The payload type.</typeparam>
    /// <param name="eventName">The event's name.</param>
    /// <param name="timeout">How long to wait.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    public abstract Task<T> WaitForExternalEvent<T>(string eventName, TimeSpan timeout, CancellationToken cancellationToken);

    /// <summary>Sends an event to another orchestration instance.</summary>
    /// <param name="instanceId">The target instance.</param>
    /// <param name="eventName">The event's name.</param>
    /// <param name="payload">The payload.</param>
    public abstract void SendEvent(string instanceId, string eventName, object payload);

    /// <summary>Sets the custom status visible to clients.</summary>
    /// <param name="customStatus">Any serializable value, or null.</param>
    public abstract void SetCustomStatus(object? customStatus);

    /// <summary>Restarts this orchestration with new input and a fresh history when the orchestrator returns.</summary>
    /// <param name="newInput">The new input.</param>
    /// <param name="preserveUnprocessedEvents">Carry events not yet received into the new execution.</param>
    public abstract void ContinueAsNew(object? newInput = null, bool preserveUnprocessedEvents = true);

    /// <summary>Creates a GUID that is the same on every replay (name-based UUID v5 from the instance id, time and a counter).</summary>
    public abstract Guid NewGuid();

    /// <summary>Creates a logger that writes only when not replaying.</summary>
    /// <param name="categoryName">The logger category.</param>
    public abstract ILogger CreateReplaySafeLogger(string categoryName);

    /// <summary>Creates a logger that writes only when not replaying.</summary>
    /// <param name="type">The type whose name is the category.</param>
    public virtual ILogger CreateReplaySafeLogger(Type type) => CreateReplaySafeLogger(type.FullName ?? type.Name);

    /// <summary>Creates a logger that writes only when not replaying.</summary>
    /// <typeparam name="T">The type whose name is the category.</typeparam>
    public virtual ILogger CreateReplaySafeLogger<T>() => CreateReplaySafeLogger(typeof(T));
}

/// <summary>The parent of a sub-orchestration.</summary>
/// <param name="Name">The parent's orchestrator name.</param>
/// <param name="InstanceId">The parent's instance id.</param>
public record ParentOrchestrationInstance(TaskName Name, string InstanceId);
