using Fleet.Durable.Hosting;

namespace Fleet.Durable.Tests;

/// <summary>Fleet's durable layer keeps no copy of Microsoft.DurableTask: orchestrations, the worker and the client are the
/// packages' own types, and Fleet.Durable only plugs a provider, a worker build target and a client into them.</summary>
public sealed class PackageSurfaceTests
{
    [Fact]
    public void Fleet_Durable_defines_no_type_of_Microsoft_DurableTask_public_surface()
    {
        var official = new[]
            {
                typeof(Microsoft.DurableTask.TaskOrchestrationContext).Assembly,
                typeof(Microsoft.DurableTask.Client.DurableTaskClient).Assembly,
                typeof(Microsoft.DurableTask.Worker.DurableTaskWorkerOptions).Assembly,
            }
            .SelectMany(a => a.GetExportedTypes()).Select(t => t.Name).ToHashSet();
        var ours = typeof(DurableTaskHub).Assembly.GetTypes().Where(t => t.IsPublic || t.IsNestedPublic).ToList();
        var copies = ours.Where(t => official.Contains(t.Name)).Select(t => t.FullName).ToList();
        Assert.True(copies.Count == 0, $"Fleet.Durable defines types named like Microsoft.DurableTask's: {string.Join(", ", copies)}");
        // What it does define derives from the packages' own abstractions.
        Assert.True(typeof(Client.FleetDurableTaskClient).IsSubclassOf(typeof(Microsoft.DurableTask.Client.DurableTaskClient)));
        Assert.True(typeof(FleetDurableTaskWorker).IsSubclassOf(typeof(Microsoft.DurableTask.Worker.Hosting.DurableTaskWorker)));
        Assert.Contains(typeof(DurableTask.Core.IOrchestrationService), typeof(Provider.FleetOrchestrationService).GetInterfaces());
    }
}
