namespace Fleet.Tests.Platform;

/// <summary>Every orchestrator and activity of the host is a Microsoft.DurableTask task (no copy of its API is left).</summary>
public sealed class OrchestrationPackageTests
{
    [Fact]
    public void Orchestrators_and_activities_derive_from_Microsoft_DurableTask()
    {
        var types = typeof(Fleet.Orchestrations.KubeEdge.BatchJoinOrchestrator).Assembly.GetTypes().Where(t => !t.IsAbstract && t.IsClass).ToList();
        var orchestrators = types.Where(t => t.Name.EndsWith("Orchestrator", StringComparison.Ordinal)).ToList();
        var activities = types.Where(t => t.Name.EndsWith("Activity", StringComparison.Ordinal)).ToList();
        Assert.True(orchestrators.Count >= 5, $"{orchestrators.Count} orchestrators found");
        Assert.NotEmpty(activities);
        Assert.All(orchestrators, t => Assert.True(typeof(Microsoft.DurableTask.ITaskOrchestrator).IsAssignableFrom(t), $"{t} is not a Microsoft.DurableTask orchestrator"));
        Assert.All(activities, t => Assert.True(typeof(Microsoft.DurableTask.ITaskActivity).IsAssignableFrom(t), $"{t} is not a Microsoft.DurableTask activity"));
    }
}
