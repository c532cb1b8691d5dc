namespace Fleet.Durable.Client;

/// <summary>The runtime status of an orchestration instance.</summary>
public enum OrchestrationRuntimeStatus
{
    /// <summary>Running.</summary>
    Running = 0,
    /// <summary>Completed successfully.</summary>
    Completed = 1,
    /// <summary>Restarted itself with new input (transient).</summary>
    ContinuedAsNew = 2,
    /// <summary>Failed.</summary>
    Failed = 3,
    /// <summary>Canceled.</summary>
    Canceled = 4,
    /// <summary>Terminated.</summary>
    Terminated = 5,
    /// <summary>Scheduled but not yet started.</summary>
    Pending = 6,
    /// <summary>Suspended.</summary>
    Suspended = 7,
}
