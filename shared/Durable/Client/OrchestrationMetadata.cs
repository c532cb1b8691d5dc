using Fleet.Durable.Runtime;

namespace Fleet.Durable.Client;

/// <summary>The state of one orchestration instance.</summary>
public sealed class OrchestrationMetadata
{
    /// <summary>Creates metadata.</summary>
    /// <param name="name">The orchestrator's name.</param>
    /// <param name="instanceId">The instance id.</param>
    public OrchestrationMetadata(string name, string instanceId)
    {
        Name = name;
        InstanceId = instanceId;
    }

    /// <summary>Gets the orchestrator's name.</summary>
    public string Name { get; }

    /// <summary>Gets the instance id.</summary>
    public string InstanceId { get; }

    /// <summary>Gets the runtime status.</summary>
    public OrchestrationRuntimeStatus RuntimeStatus { get; init; }

    /// <summary>Gets when the instance was created.</summary>
    public DateTimeOffset CreatedAt { get; init; }

    /// <summary>Gets when the instance last changed.</summary>
    public DateTimeOffset LastUpdatedAt { get; init; }

    /// <summary>Gets the serialized input (when inputs and outputs were fetched).</summary>
    public string? SerializedInput { get; init; }

    /// <summary>Gets the serialized output (when inputs and outputs were fetched).</summary>
    public string? SerializedOutput { get; init; }

    /// <summary>Gets the serialized custom status (when inputs and outputs were fetched).</summary>
    public string? SerializedCustomStatus { get; init; }

    /// <summary>Gets the failure details of a failed instance.</summary>
    public TaskFailureDetails? FailureDetails { get; init; }

    /// <summary>Gets whether the status is Running (as the official API defines it).</summary>
    public bool IsRunning => RuntimeStatus == OrchestrationRuntimeStatus.Running;

    /// <summary>Gets whether the instance reached a final status (Completed, Failed or Terminated).</summary>
    public bool IsCompleted => RuntimeStatus is OrchestrationRuntimeStatus.Completed or OrchestrationRuntimeStatus.Failed
        or OrchestrationRuntimeStatus.Terminated;

    /// <summary>Deserializes the input.</summary>
    /// <typeparam name="T">The type.</typeparam>
    public T? ReadInputAs<T>() => DataConverter.Deserialize<T>(SerializedInput);

    /// <summary>Deserializes the output.</summary>
    /// <typeparam name="T">The type.</typeparam>
    public T? ReadOutputAs<T>() => DataConverter.Deserialize<T>(SerializedOutput);

    /// <summary>Deserializes the custom status.</summary>
    /// <typeparam name="T">The type.</typeparam>
    public T? ReadCustomStatusAs<T>() => DataConverter.Deserialize<T>(SerializedCustomStatus);
}
