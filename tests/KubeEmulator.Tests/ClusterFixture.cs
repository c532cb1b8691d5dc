namespace Fleet.KubeEmulator.Tests;

/// <summary>One cluster shared by the tests of the "cluster" collection; each test works in its own namespace.</summary>
public sealed class ClusterFixture : IAsyncLifetime
{
    public TestCluster Cluster { get; private set; } = null!;

    public async Task InitializeAsync() => Cluster = await TestCluster.CreateAsync();

    public async Task DisposeAsync() => await Cluster.DisposeAsync();
}

[CollectionDefinition("cluster")]
public sealed class ClusterCollection : ICollectionFixture<ClusterFixture>;

public static class Eventually
{
    /// <summary>Polls until the condition holds (404 counts as not yet); fails with the message after the timeout.</summary>
    public static async Task<T> Get<T>(Func<Task<T>> read, Func<T, bool> done, string what, int timeoutMs = 15000)
    {
        var deadline = DateTime.UtcNow.AddMilliseconds(timeoutMs);
        while (true)
        {
            try
            {
                var value = await read();
                if (done(value)) return value;
            }
            catch (k8s.Autorest.HttpOperationException e) when (e.Response.StatusCode == System.Net.HttpStatusCode.NotFound)
            {
                // Not created yet: controllers work asynchronously, as on a real cluster.
            }
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"timed out waiting for {what}");
            await Task.Delay(50);
        }
    }
}

/// <summary>The in-process emulator regardless of FLEET_TEST_KUBECONFIG, for tests that seed it.</summary>
public sealed class EmulatorFixture : IAsyncLifetime
{
    public TestCluster Cluster { get; private set; } = null!;

    public async Task InitializeAsync() => Cluster = await TestCluster.CreateEmulatedAsync();

    public async Task DisposeAsync() => await Cluster.DisposeAsync();
}

[CollectionDefinition("emulator")]
public sealed class EmulatorCollection : ICollectionFixture<EmulatorFixture>;
