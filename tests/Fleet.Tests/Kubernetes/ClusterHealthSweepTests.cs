using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Fleet.Core.Platform.Timers;
using Microsoft.DurableTask.Client;
using Fleet.Functions.Platform.Auth;
using Fleet.Tests.Support;

namespace Fleet.Tests.Kubernetes;

/// <summary>The cluster health sweep runs on the timer runtime and fans out in an orchestration with the tick's id.</summary>
[Trait("Category", "Kubernetes")]
public sealed class ClusterHealthSweepTests
{
    [Fact]
    public async Task The_sweep_marks_a_cluster_that_went_away_disconnected_through_a_per_tick_orchestration()
    {
        // Fleet reaches the cluster through a relay, so "went away" works the same against a real cluster.
        await using var cluster = await TestCluster.CreateAsync();
        await using var relay = new TcpRelay(new Uri(cluster.ServerUrl)).Start();
        await using var app = await FleetApp.StartAsync(new Dictionary<string, string?> { ["RateLimits__Scale"] = "100" });
        var admin = await app.LoginAsync(FleetRole.Admin);
        var add = await admin.PostAsJsonAsync("/api/kubilitics/v1/clusters",
            new { kubeconfig_base64 = Convert.ToBase64String(Encoding.UTF8.GetBytes(cluster.KubeconfigYaml("sweep", relay.Url))), name = $"sweep-{Guid.NewGuid():N}"[..18] });
        Assert.Equal(HttpStatusCode.Created, add.StatusCode);
        var id = (string)JsonNode.Parse(await add.Content.ReadAsStringAsync())!["id"]!;

        relay.Stop();

        // The timer is registered on the runtime with its every-minute schedule (the lease may sit with another
        // test host on this storage account, so the tick is driven here the way the runner drives it).
        var timers = JsonNode.Parse(await admin.GetStringAsync("/api/timers"))!["timers"]!.AsArray();
        Assert.Equal("0 * * * * *", (string?)timers.Single(t => (string?)t!["name"] == "ClusterHealth")!["schedule"]);
        var tick = new TimerInfo
        {
            TimerName = "ClusterHealth",
            ScheduledTime = new DateTimeOffset(2026, 11, 24, 3, 0, 0, TimeSpan.Zero).AddMinutes(Random.Shared.Next(100000)),
            ScheduleStatus = new ScheduleStatus(null, DateTimeOffset.UtcNow, DateTimeOffset.UtcNow),
        };
        var sweep = app.Services.GetServices<ITimerFunction>().Single(t => t.Name == "ClusterHealth");
        await sweep.RunAsync(tick, CancellationToken.None);
        await sweep.RunAsync(tick, CancellationToken.None); // a second host's run of the same tick starts nothing

        var client = app.Services.GetRequiredService<DurableTaskClient>();
        var instanceId = TimerOrchestrations.InstanceIdFor(tick);
        Assert.Matches(@"^timer:ClusterHealth:\d{8}T\d{6}$", instanceId);
        var done = await client.WaitForInstanceCompletionAsync(instanceId, getInputsAndOutputs: true,
            new CancellationTokenSource(TimeSpan.FromSeconds(60)).Token);
        Assert.True(done.RuntimeStatus == OrchestrationRuntimeStatus.Completed, $"{done.RuntimeStatus}: {done.FailureDetails}");
        Assert.True(done.ReadOutputAs<Fleet.Orchestrations.Kubernetes.ClusterHealthSweepResult>()!.Clusters >= 1);

        var status = (string?)JsonNode.Parse(await admin.GetStringAsync($"/api/kubilitics/v1/clusters/{id}"))!["status"];
        Assert.Equal("disconnected", status);
        var all = new List<OrchestrationMetadata>();
        await foreach (var m in client.GetAllInstancesAsync(new OrchestrationQuery { InstanceIdPrefix = instanceId })) all.Add(m);
        Assert.Single(all);
    }
}
