namespace Fleet.Durable;

/// <summary>Options for starting a new orchestration instance.</summary>
/// <param name="InstanceId">The instance id (a new GUID when null).</param>
/// <param name="StartAt">When to start it (now when null).</param>
public record StartOrchestrationOptions(string? InstanceId = null, DateTimeOffset? StartAt = null);
