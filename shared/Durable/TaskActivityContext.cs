namespace Fleet.Durable;

/// <summary>The context an activity runs in.</summary>
public abstract class TaskActivityContext
{
    /// <summary>Gets the activity's name.</summary>
    public abstract TaskName Name { get; }

    /// <summary>Gets the id of the orchestration instance that scheduled the activity.</summary>
    public abstract string InstanceId { get; }
}
