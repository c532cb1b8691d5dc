namespace Fleet.Durable;

/// <summary>Details of a task or orchestration failure.</summary>
/// <param name="ErrorType">The full type name of the exception.</param>
/// <param name="ErrorMessage">The exception's message.</param>
/// <param name="StackTrace">The stack trace, if any.</param>
/// <param name="InnerFailure">The inner failure, if any.</param>
public record TaskFailureDetails(string ErrorType, string ErrorMessage, string? StackTrace, TaskFailureDetails? InnerFailure)
{
    /// <summary>Returns true when the failure was caused by an exception of type <typeparamref name="T"/> (or a subtype, when loadable).</summary>
    /// <typeparam name="T">The exception type.</typeparam>
    public bool IsCausedBy<T>() where T : Exception
    {
        if (ErrorType == typeof(T).FullName) return true;
        var t = Type.GetType(ErrorType, throwOnError: false) ?? AppDomain.CurrentDomain.GetAssemblies()
            .Select(a => a.GetType(ErrorType, throwOnError: false)).FirstOrDefault(x => x != null);
        return t != null && typeof(T).IsAssignableFrom(t);
    }

    /// <summary>Builds failure details from an exception.</summary>
    /// <param name="exception">The exception.</param>
    public static TaskFailureDetails FromException(Exception exception)
    {
        // A task failure escaping an orchestrator keeps the task's own failure as the inner failure.
        if (exception is TaskFailedException tfe)
            return new TaskFailureDetails(typeof(TaskFailedException).FullName!, tfe.Message, tfe.StackTrace, tfe.FailureDetails);
        return new TaskFailureDetails(exception.GetType().FullName ?? exception.GetType().Name, exception.Message,
            exception.StackTrace, exception.InnerException is null ? null : FromException(exception.InnerException));
    }

    /// <inheritdoc/>
    public override string ToString() => $"{ErrorType}: {ErrorMessage}";
}
