namespace Fleet.Durable;

/// <summary>The name of an orchestrator or activity, as in Microsoft.DurableTask.</summary>
/// <param name="Name">The task's name.</param>
public readonly record struct TaskName(string Name)
{
    /// <summary>Gets the version (always empty: versioning is not supported).</summary>
    public string Version => string.Empty;

    /// <summary>Converts a string to a <see cref="TaskName"/>.</summary>
    /// <param name="value">The name.</param>
    public static implicit operator TaskName(string value) => new(value);

    /// <summary>Converts a <see cref="TaskName"/> to its string form.</summary>
    /// <param name="value">The task name.</param>
    public static implicit operator string(TaskName value) => value.Name;

    /// <inheritdoc/>
    public override string ToString() => Name ?? string.Empty;
}
