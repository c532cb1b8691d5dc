using Microsoft.DurableTask.Client;
using Microsoft.Extensions.DependencyInjection;

namespace Fleet.Durable.Tests;

/// <summary>Two host processes on one Azure Storage task hub split its partitions and run every episode and activity of
/// 100 chained orchestrations exactly once between them, on Fleet's provider and on the stock one.</summary>
[Collection(HostProcess.Collection)]
public sealed class TwoProcessTests
{
    private const int Instances = 100;
    private const int Steps = 3;

    [Theory]
    [InlineData("Fleet")]
    [InlineData("AzureStorage")]
    public async Task Two_host_processes_split_the_partitions_and_never_run_an_episode_twice(string provider)
    {
        string hub = "two" + Guid.NewGuid().ToString("N")[..12];
        await using var services = HostProcess.ClientServices(hub, 4, provider);
        var client = services.GetRequiredService<DurableTaskClient>();

        await using var a = await HostProcess.StartAsync(hub, "--name", "A", "--partitions", "4", "--provider", provider);
        await using var b = await HostProcess.StartAsync(hub, "--name", "B", "--partitions", "4", "--provider", provider);
        // Work starts once the hosts have settled on two partitions each, and kept that split for 3 s (a steal for balance
        // can still be in flight when the counts first read 2 and 2), so that no hand-over happens while it runs.
        var deadline = DateTime.UtcNow.AddSeconds(90);
        var (ownedA, episodesA, conflictsA) = await a.StatsAsync();
        var (ownedB, episodesB, conflictsB) = await b.StatsAsync();
        var split = "";
        var since = DateTime.UtcNow;
        while (true)
        {
            var settled = ownedA.Split(',').Length == 2 && ownedB.Split(',').Length == 2;
            if (!settled || split != ownedA + "|" + ownedB) (split, since) = (settled ? ownedA + "|" + ownedB : "", DateTime.UtcNow);
            if (settled && DateTime.UtcNow - since >= TimeSpan.FromSeconds(3)) break;
            Assert.True(DateTime.UtcNow < deadline, $"the hosts did not split the partitions: A owns '{ownedA}', B '{ownedB}'");
            await Task.Delay(200);
            (ownedA, episodesA, conflictsA) = await a.StatsAsync();
            (ownedB, episodesB, conflictsB) = await b.StatsAsync();
        }
        Assert.Empty(ownedA.Split(',').Intersect(ownedB.Split(',')));
        int linesA = a.Lines.Length, linesB = b.Lines.Length;

        var ids = await Task.WhenAll(Enumerable.Range(0, Instances).Select(i => client.ScheduleNewOrchestrationInstanceAsync("Chain3", (long)i)));
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        var done = await Task.WhenAll(ids.Select(id => client.WaitForInstanceCompletionAsync(id, true, cts.Token)));
        for (int i = 0; i < Instances; i++)
        {
            Assert.Equal(OrchestrationRuntimeStatus.Completed, done[i].RuntimeStatus);
            long expected = i;
            for (int step = 1; step <= Steps; step++) expected = expected * 3 + step;
            Assert.Equal(expected, done[i].ReadOutputAs<long>());
        }

        // Ownership never changed while the work ran (each host writes "owned ..." when it does), both hosts committed
        // episodes, and no checkpoint lost a race for an instance's sentinel row.
        Assert.DoesNotContain(a.Lines.Skip(linesA).Concat(b.Lines.Skip(linesB)), l => l.StartsWith("owned ", StringComparison.Ordinal));
        if (provider == "Fleet")
        {
            // Fleet's provider counts committed episodes and sentinel conflicts (the stock one has no such counters).
            var endA = await a.StatsAsync();
            var endB = await b.StatsAsync();
            Assert.True(endA.Episodes > episodesA && endB.Episodes > episodesB, $"episodes committed: A {endA.Episodes - episodesA}, B {endB.Episodes - episodesB}");
            Assert.Equal(0, endA.Conflicts - conflictsA + endB.Conflicts - conflictsB);
        }

        // Each fresh episode and each activity wrote a line in the process that ran it: every one ran exactly once.
        var episodes = RanOnce(a, b, "episode", ids, Enumerable.Range(0, Steps + 1));
        RanOnce(a, b, "activity", ids, Enumerable.Range(1, Steps));
        Assert.Equal(["A", "B"], episodes.Select(e => e.Host).Distinct().Order());
    }

    /// <summary>The (instance, step, host) lines of one kind, asserted to cover every step of every instance exactly once.</summary>
    private static List<(string Id, int Step, string Host)> RanOnce(HostProcess a, HostProcess b, string kind, string[] ids, IEnumerable<int> steps)
    {
        var ran = new[] { ("A", a), ("B", b) }
            .SelectMany(h => h.Item2.Lines.Select(l => l.Split(' ')).Where(f => f.Length == 3 && f[0] == kind).Select(f => (Id: f[1], Step: int.Parse(f[2]), Host: h.Item1)))
            .ToList();
        var expected = ids.SelectMany(id => steps.Select(s => (id, s))).Order().ToList();
        var twice = ran.GroupBy(r => (r.Id, r.Step)).Where(g => g.Count() > 1).Select(g => $"{g.Key} on {string.Join("+", g.Select(r => r.Host))}").ToList();
        Assert.True(twice.Count == 0, $"{kind}s that ran more than once: {string.Join(", ", twice.Take(10))}");
        Assert.Equal(expected, ran.Select(r => (r.Id, r.Step)).Order());
        return ran;
    }
}
