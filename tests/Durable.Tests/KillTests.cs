using System.Diagnostics;
using Fleet.Durable.Client;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Fleet.Durable.Tests;

/// <summary>SIGKILLs a separate host process at random moments of a fan-out and restarts it: every instance must still
/// complete with the right output. Rounds: FLEET_KILL_ROUNDS (default 3).</summary>
public sealed class KillTests
{
    private const int Width = 200;
    private const int Instances = 2;

    [Fact]
    public async Task Fan_out_survives_repeated_SIGKILL_of_its_host()
    {
        string cs = Environment.GetEnvironmentVariable("AzureWebJobsStorage") is { Length: > 0 } s ? s
            : throw new InvalidOperationException("AzureWebJobsStorage is not set: start infra/peers/start-all.sh and source its peers.env.");
        int rounds = int.TryParse(Environment.GetEnvironmentVariable("FLEET_KILL_ROUNDS"), out int n) && n >= 0 ? n : 3;
        string hub = "kill" + Guid.NewGuid().ToString("N")[..12];

        // A client only: its service provider is never started, so no worker runs in the test process.
        var config = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["AzureWebJobsStorage"] = cs, ["Durable:HubName"] = hub, ["Durable:PartitionCount"] = "2",
            ["Durable:MaxQueuePollingInterval"] = "00:00:00.500",
        }).Build();
        await using var services = new ServiceCollection().AddFleetDurableTask(config).BuildServiceProvider();
        var client = services.GetRequiredService<DurableTaskClient>();

        var random = new Random();
        var host = StartHost(hub, cs);
        try
        {
            await WaitReadyAsync(host);
            var ids = new List<string>();
            for (int i = 0; i < Instances; i++) ids.Add(await client.ScheduleNewOrchestrationInstanceAsync("KillFanOut", Width));
            int midRunKills = 0;
            for (int round = 0; round < rounds; round++)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(random.Next(500, 3000)));
                // Counts kills that hit unfinished work, so the test cannot pass by killing an idle host only.
                foreach (string id in ids)
                    if ((await client.GetInstanceAsync(id))?.RuntimeStatus != OrchestrationRuntimeStatus.Completed) { midRunKills++; break; }
                host.Kill(entireProcessTree: true); // SIGKILL on Linux: no shutdown code runs.
                await host.WaitForExitAsync();
                host.Dispose();
                host = StartHost(hub, cs);
                await WaitReadyAsync(host);
            }

            if (rounds > 0) Assert.True(midRunKills > 0, "every kill landed after the fan-outs had completed");

            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(80));
            long expected = Enumerable.Range(1, Width).Sum(i => (long)i * i);
            foreach (string id in ids)
            {
                var done = await client.WaitForInstanceCompletionAsync(id, true, cts.Token);
                Assert.Equal(OrchestrationRuntimeStatus.Completed, done.RuntimeStatus);
                Assert.Equal(expected, done.ReadOutputAs<long>());
            }
            foreach (string id in ids)
                Assert.Equal(OrchestrationRuntimeStatus.Completed, (await client.GetInstanceAsync(id))!.RuntimeStatus);
        }
        finally
        {
            if (!host.HasExited) host.Kill(entireProcessTree: true);
            host.Dispose();
        }
    }

    private static Process StartHost(string hub, string cs)
    {
        // The host is built next to this test's output: tests/DurableKillHost/bin/<configuration>/<tfm>/.
        var baseDir = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        string tfm = baseDir.Name, configuration = baseDir.Parent!.Name;
        string dll = Path.Combine(baseDir.Parent.Parent!.Parent!.Parent!.FullName, "DurableKillHost", "bin", configuration, tfm, "DurableKillHost.dll");
        var psi = new ProcessStartInfo("dotnet", [dll, hub]) { RedirectStandardOutput = true, UseShellExecute = false };
        psi.Environment["AzureWebJobsStorage"] = cs;
        return Process.Start(psi)!;
    }

    private static async Task WaitReadyAsync(Process host)
    {
        string? line = await host.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal("ready", line);
    }
}
