using DurableTask.Core;

namespace Fleet.Durable.Tracking;

/// <summary>One row of the Instances table.</summary>
internal sealed class InstanceRecord
{
    public required string InstanceId { get; init; }
    public string Name { get; set; } = "";
    public string? Version { get; set; }
    public string? ExecutionId { get; set; }
    public OrchestrationStatus RuntimeStatus { get; set; }
    public DateTime CreatedTime { get; set; }
    public DateTime LastUpdatedTime { get; set; }
    public DateTime? CompletedTime { get; set; }
    public DateTime? ScheduledStartTime { get; set; }
    public string? Input { get; set; }
    public string? Output { get; set; }
    public string? CustomStatus { get; set; }

    /// <summary>When false, an upsert leaves the stored custom status as it is.</summary>
    public bool CustomStatusKnown { get; set; } = true;
    public FailureDetails? FailureDetails { get; set; }
    public string? ParentInstanceId { get; set; }

    public bool IsFinal => RuntimeStatus is OrchestrationStatus.Completed or OrchestrationStatus.Failed
        or OrchestrationStatus.Terminated or OrchestrationStatus.Canceled;

    public InstanceRecord Clone() => (InstanceRecord)MemberwiseClone();

    /// <summary>The row as DurableTask.Core's <see cref="OrchestrationState"/>.</summary>
    public OrchestrationState ToState() => new()
    {
        Name = Name,
        Version = Version ?? "",
        OrchestrationInstance = new OrchestrationInstance { InstanceId = InstanceId, ExecutionId = ExecutionId },
        OrchestrationStatus = RuntimeStatus,
        CreatedTime = CreatedTime,
        LastUpdatedTime = LastUpdatedTime,
        CompletedTime = CompletedTime ?? DateTime.MinValue,
        ScheduledStartTime = ScheduledStartTime,
        Input = Input,
        Output = Output,
        Status = CustomStatus,
        FailureDetails = FailureDetails,
        ParentInstance = ParentInstanceId is null ? null : new ParentInstance { OrchestrationInstance = new OrchestrationInstance { InstanceId = ParentInstanceId } },
    };
}
