namespace Fleet.Durable;

/// <summary>Names an orchestrator or activity class for registration (defaults to the class name).</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
public sealed class DurableTaskAttribute : Attribute
{
    /// <summary>Creates the attribute.</summary>
    /// <param name="name">The task's name; the class name when null.</param>
    public DurableTaskAttribute(string? name = null) => Name = name ?? string.Empty;

    /// <summary>Gets the task's name.</summary>
    public TaskName Name { get; }
}
