using Microsoft.DurableTask.Client;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace Fleet.Durable.Tests;

/// <summary>SIGKILLs a separate host process at random moments of a fan-out and restarts it: every instance must still
/// complete with the right output, none may be left Running, and every activity must have run at least once — on Fleet's
/// provider and on the stock AzureStorage one. Rounds: FLEET_KILL_ROUNDS (default 10, as in CI; 20 for the longer on-demand run).</summary>
[Collection(HostProcess.Collection)]
public sealed class KillTests(ITestOutputHelper output)
{
    private const int Width = 200;
    private const int Instances = 2;

    [Theory]
    [InlineData("Fleet")]
    [InlineData("AzureStorage")]
    public async Task Fan_out_survives_repeated_SIGKILL_of_its_host(string provider)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        int rounds = int.TryParse(Environment.GetEnvironmentVariable("FLEET_KILL_ROUNDS"), out int n) && n >= 0 ? n : 10;
        string hub = "kill" + Guid.NewGuid().ToString("N")[..12];

        await using var services = HostProcess.ClientServices(hub, 2, provider);
        var client = services.GetRequiredService<DurableTaskClient>();

        var random = new Random();
        var hosts = new List<HostProcess> { await HostProcess.StartAsync(hub, "--provider", provider) };
        try
        {
            var ids = new List<string>();
            for (int i = 0; i < Instances; i++) ids.Add(await client.ScheduleNewOrchestrationInstanceAsync("KillFanOut", Width));
            int midRunKills = 0;
            for (int round = 0; round < rounds; round++)
            {
                // The first kill comes early, so that it lands mid fan-out however fast the provider is; later ones at random.
                await Task.Delay(TimeSpan.FromMilliseconds(round == 0 ? random.Next(100, 400) : random.Next(300, 1500)));
                // Counts kills that hit unfinished work, so the test cannot pass by killing an idle host only.
                foreach (string id in ids)
                    if ((await client.GetInstanceAsync(id))?.RuntimeStatus != OrchestrationRuntimeStatus.Completed) { midRunKills++; break; }
                await hosts[^1].KillAsync();
                hosts.Add(await HostProcess.StartAsync(hub, "--provider", provider));
            }

            if (rounds > 0) Assert.True(midRunKills > 0, "every kill landed after the fan-outs had completed");
            output.WriteLine($"{provider}: {rounds} kills ({midRunKills} mid-run) in {clock.Elapsed.TotalSeconds:F0} s");

            // Each activity wrote "activity {instance} {x}" when it ran, in whichever host process that was.
            HashSet<(string Id, int X)> Ran() => hosts.SelectMany(h => h.Lines).Select(l => l.Split(' '))
                .Where(f => f is ["activity", _, _]).Select(f => (f[1], int.Parse(f[2]))).ToHashSet();
            // Whatever the kills left of the 5-minute hang timeout (infra/test.sh), less a margin: a loaded machine is slow.
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(Math.Max(10, 270 - clock.Elapsed.TotalSeconds)));
            long expected = Enumerable.Range(1, Width).Sum(i => (long)i * i);
            foreach (string id in ids)
            {
                OrchestrationMetadata done;
                try { done = await client.WaitForInstanceCompletionAsync(id, true, cts.Token); }
                catch (OperationCanceledException)
                {
                    var seen = Ran();
                    Assert.Fail($"{id} is {(await client.GetInstanceAsync(id))?.RuntimeStatus} after {clock.Elapsed.TotalSeconds:F0} s and {hosts.Count} hosts; activities that ran: " +
                        string.Join(", ", ids.Select(i => $"{i} {seen.Count(r => r.Id == i)}/{Width}")));
                    throw;
                }
                Assert.Equal(OrchestrationRuntimeStatus.Completed, done.RuntimeStatus);
                Assert.Equal(expected, done.ReadOutputAs<long>());
            }

            output.WriteLine($"all completed after {clock.Elapsed.TotalSeconds:F0} s");
            var ran = Ran();
            foreach (string id in ids)
                Assert.Equal(Enumerable.Range(1, Width), ran.Where(r => r.Id == id).Select(r => r.X).Order());
        }
        finally
        {
            foreach (var host in hosts) await host.DisposeAsync();
        }
    }
}
