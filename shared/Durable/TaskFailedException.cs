namespace Fleet.Durable;

/// <summary>Thrown into an orchestration when an activity or sub-orchestration it awaited failed.</summary>
public sealed class TaskFailedException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="taskName">The failed task's name.</param>
    /// <param name="taskId">The failed task's sequence id.</param>
    /// <param name="failureDetails">What went wrong.</param>
    public TaskFailedException(string taskName, int taskId, TaskFailureDetails failureDetails)
        : base($"Task '{taskName}' (#{taskId}) failed with an unhandled exception: {failureDetails.ErrorMessage}")
    {
        TaskName = taskName;
        TaskId = taskId;
        FailureDetails = failureDetails;
    }

    /// <summary>Gets the failed task's name.</summary>
    public string TaskName { get; }

    /// <summary>Gets the failed task's sequence id.</summary>
    public int TaskId { get; }

    /// <summary>Gets the failure details.</summary>
    public TaskFailureDetails FailureDetails { get; }
}

/// <summary>Thrown when an instance id is reused while that instance is still running (as DurableTask's OrchestrationAlreadyExistsException).</summary>
public sealed class OrchestrationAlreadyExistsException : InvalidOperationException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">The message.</param>
    public OrchestrationAlreadyExistsException(string message) : base(message) { }
}
