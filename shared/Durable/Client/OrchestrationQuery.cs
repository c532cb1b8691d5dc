namespace Fleet.Durable.Client;

/// <summary>A filter for listing instances, paged with continuation tokens.</summary>
public record OrchestrationQuery
{
    /// <summary>The default page size.</summary>
    public const int DefaultPageSize = 100;

    /// <summary>Gets instances created at or after this time.</summary>
    public DateTimeOffset? CreatedFrom { get; init; }

    /// <summary>Gets instances created at or before this time.</summary>
    public DateTimeOffset? CreatedTo { get; init; }

    /// <summary>Gets instances in any of these statuses (all when null or empty).</summary>
    public IEnumerable<OrchestrationRuntimeStatus>? Statuses { get; init; }

    /// <summary>Gets instances whose id starts with this prefix.</summary>
    public string? InstanceIdPrefix { get; init; }

    /// <summary>Gets the page size.</summary>
    public int PageSize { get; init; } = DefaultPageSize;

    /// <summary>Gets whether inputs, outputs and custom status are fetched.</summary>
    public bool FetchInputsAndOutputs { get; init; }

    /// <summary>Gets where to continue from.</summary>
    public string? ContinuationToken { get; init; }
}

/// <summary>A filter for purging instances.</summary>
/// <param name="CreatedFrom">Instances created at or after this time.</param>
/// <param name="CreatedTo">Instances created at or before this time.</param>
/// <param name="Statuses">Instances in any of these statuses (all final statuses when null).</param>
public record PurgeInstancesFilter(DateTimeOffset? CreatedFrom = null, DateTimeOffset? CreatedTo = null, IEnumerable<OrchestrationRuntimeStatus>? Statuses = null);

/// <summary>The result of a purge.</summary>
/// <param name="PurgedInstanceCount">How many instances were deleted.</param>
public record PurgeResult(int PurgedInstanceCount);
