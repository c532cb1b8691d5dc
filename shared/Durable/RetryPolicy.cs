namespace Fleet.Durable;

/// <summary>A declarative retry policy for activities and sub-orchestrations (Microsoft.DurableTask's RetryPolicy).</summary>
public class RetryPolicy
{
    /// <summary>Creates a retry policy.</summary>
    /// <param name="maxNumberOfAttempts">Maximum number of attempts, including the first (at least 1).</param>
    /// <param name="firstRetryInterval">Delay before the first retry.</param>
    /// <param name="backoffCoefficient">Multiplier applied to the delay after each retry (at least 1).</param>
    /// <param name="maxRetryInterval">Longest delay between two attempts (default 1 hour).</param>
    /// <param name="retryTimeout">Overall time after which no more attempts are made (default infinite).</param>
    public RetryPolicy(int maxNumberOfAttempts, TimeSpan firstRetryInterval, double backoffCoefficient = 1.0,
        TimeSpan? maxRetryInterval = null, TimeSpan? retryTimeout = null)
    {
        if (maxNumberOfAttempts <= 0) throw new ArgumentOutOfRangeException(nameof(maxNumberOfAttempts), "Must be 1 or more.");
        if (firstRetryInterval <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(firstRetryInterval), "Must be positive.");
        if (backoffCoefficient < 1.0) throw new ArgumentOutOfRangeException(nameof(backoffCoefficient), "Must be 1.0 or more.");
        MaxNumberOfAttempts = maxNumberOfAttempts;
        FirstRetryInterval = firstRetryInterval;
        BackoffCoefficient = backoffCoefficient;
        MaxRetryInterval = maxRetryInterval ?? TimeSpan.FromHours(1);
        RetryTimeout = retryTimeout ?? Timeout.InfiniteTimeSpan;
    }

    /// <summary>Gets the maximum number of attempts.</summary>
    public int MaxNumberOfAttempts { get; }

    /// <summary>Gets the delay before the first retry.</summary>
    public TimeSpan FirstRetryInterval { get; }

    /// <summary>Gets the backoff coefficient.</summary>
    public double BackoffCoefficient { get; }

    /// <summary>Gets the longest delay between attempts.</summary>
    public TimeSpan MaxRetryInterval { get; }

    /// <summary>Gets the overall retry timeout (<see cref="Timeout.InfiniteTimeSpan"/> for none).</summary>
    public TimeSpan RetryTimeout { get; }

    /// <summary>Gets or sets a predicate deciding whether a failure is retried (all failures when null).</summary>
    public Func<TaskFailureDetails, bool>? HandleFailure { get; init; }

    /// <summary>Delay before retry number <paramref name="retryNumber"/> (1-based), capped by <see cref="MaxRetryInterval"/>.</summary>
    internal TimeSpan GetDelay(int retryNumber)
    {
        double ms = FirstRetryInterval.TotalMilliseconds * Math.Pow(BackoffCoefficient, retryNumber - 1);
        return TimeSpan.FromMilliseconds(Math.Min(ms, MaxRetryInterval.TotalMilliseconds));
    }
}
