namespace Fleet.Durable;

/// <summary>Options for scheduling an activity or sub-orchestration.</summary>
public record TaskOptions
{
    /// <summary>Creates task options.</summary>
    /// <param name="retry">The retry options, if any.</param>
    public TaskOptions(TaskRetryOptions? retry = null) => Retry = retry;

    /// <summary>Gets the retry options.</summary>
    public TaskRetryOptions? Retry { get; init; }

    /// <summary>Creates options that retry with <paramref name="policy"/>.</summary>
    /// <param name="policy">The retry policy.</param>
    public static TaskOptions FromRetryPolicy(RetryPolicy policy) => new(new TaskRetryOptions(policy));

    /// <summary>Creates sub-orchestration options with the given instance id and these retry options.</summary>
    /// <param name="instanceId">The sub-orchestration's instance id.</param>
    public SubOrchestrationOptions WithInstanceId(string instanceId) => new(this, instanceId);
}

/// <summary>Options for a sub-orchestration: the task options plus the child's instance id.</summary>
public record SubOrchestrationOptions : TaskOptions
{
    /// <summary>Creates sub-orchestration options.</summary>
    /// <param name="retry">The retry options, if any.</param>
    /// <param name="instanceId">The child's instance id (a deterministic new id when null).</param>
    public SubOrchestrationOptions(TaskRetryOptions? retry = null, string? instanceId = null) : base(retry) => InstanceId = instanceId;

    /// <summary>Creates sub-orchestration options from task options.</summary>
    /// <param name="options">Options to copy.</param>
    /// <param name="instanceId">The child's instance id.</param>
    public SubOrchestrationOptions(TaskOptions options, string? instanceId = null) : base(options?.Retry) => InstanceId = instanceId;

    /// <summary>Gets the child's instance id.</summary>
    public string? InstanceId { get; init; }
}

/// <summary>Retry options of a task: a declarative <see cref="RetryPolicy"/>.</summary>
public sealed class TaskRetryOptions
{
    /// <summary>Creates retry options from a policy.</summary>
    /// <param name="policy">The policy.</param>
    public TaskRetryOptions(RetryPolicy policy) => Policy = policy ?? throw new ArgumentNullException(nameof(policy));

    /// <summary>Gets the retry policy.</summary>
    public RetryPolicy Policy { get; }

    /// <summary>Converts a policy to retry options, so that <c>new TaskOptions(policy)</c> compiles as with the official API.</summary>
    /// <param name="policy">The policy.</param>
    public static implicit operator TaskRetryOptions(RetryPolicy policy) => new(policy);
}
