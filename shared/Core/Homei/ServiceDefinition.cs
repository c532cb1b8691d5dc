namespace Fleet.Core.Homei;

/// <summary>A service's desired state, as the seed's "Get Service" shows it (plus Compose's command/entrypoint).</summary>
public sealed record ServiceDefinition
{
    public required string Name { get; init; }
    public required string Image { get; init; }
    public bool Enabled { get; init; } = true;
    public string RestartPolicy { get; init; } = "unless-stopped";
    public Dictionary<string, string> Environment { get; init; } = new();
    public List<string> Ports { get; init; } = new();
    public List<string> Volumes { get; init; } = new();
    public List<string> DependsOn { get; init; } = new();
    public Dictionary<string, string> Labels { get; init; } = new();
    public List<string>? Command { get; init; }
    public List<string>? Entrypoint { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset UpdatedAt { get; init; }

    /// <summary>The labels the container carries: the user's, then the two Homei owns.</summary>
    public Dictionary<string, string> ContainerLabels()
    {
        var labels = new Dictionary<string, string>(Labels)
        {
            [HomeiLabels.Managed] = "true",
            [HomeiLabels.Service] = Name,
        };
        return labels;
    }
}

public static class HomeiLabels
{
    public const string Managed = "io.homei.managed";
    public const string Service = "io.homei.service";
}
