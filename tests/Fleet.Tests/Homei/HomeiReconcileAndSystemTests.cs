using System.Net;
using System.Net.Http.Json;
using Docker.DotNet.Models;
using Fleet.Core.Homei;
using Fleet.Core.Platform.Events;
using Fleet.Tests.Support;
using static Fleet.Tests.Homei.HomeiFixture;

namespace Fleet.Tests.Homei;

[Collection("homei")]
public sealed class HomeiReconcileAndSystemTests(HomeiFixture f)
{
    [Fact]
    public async Task A_killed_or_removed_managed_container_is_repaired_by_the_reconciliation_timer()
    {
        var name = UniqueName("heal");
        var reconciler = f.App.Services.GetRequiredService<ReconciliationService>();
        using var events = f.App.Services.GetRequiredService<IEventBus>().Subscribe(e => e.Type == "service.reconciled");
        try
        {
            Assert.Equal(HttpStatusCode.Created, (await f.CreateService(TickerService(name))).StatusCode);
            // The interval comes from the configuration and applies at run time.
            var r = await f.Client.PutAsJsonAsync("/api/homei/v1/config", new { orchestrator = new { monitoring = new { health_check_interval = 1 } } });
            Assert.Equal(HttpStatusCode.OK, r.StatusCode);

            var before = (await f.ContainerOf(name))!;
            await f.Docker.Containers.KillContainerAsync(before.ID, new ContainerKillParameters { Signal = "KILL" });
            Assert.False((await f.Inspect(name)).State.Running);
            await reconciler.NextPassAsync().WaitAsync(TimeSpan.FromSeconds(30));
            var healed = await f.Inspect(name);
            Assert.True(healed.State.Running);
            Assert.Equal(before.ID, healed.ID);

            await f.Docker.Containers.RemoveContainerAsync(before.ID, new ContainerRemoveParameters { Force = true });
            await reconciler.NextPassAsync().WaitAsync(TimeSpan.FromSeconds(30));
            var recreated = await f.Inspect(name);
            Assert.True(recreated.State.Running);
            Assert.NotEqual(before.ID, recreated.ID);

            // With a broker, events reach local subscribers through it, a moment after the pass that raised them returned.
            var seen = new List<FleetEvent>();
            using (var wait = new CancellationTokenSource(TimeSpan.FromSeconds(10)))
            {
                try
                {
                    while (seen.Count(e => e.Data.ToString()!.Contains(name)) < 2) seen.Add(await events.Reader.ReadAsync(wait.Token));
                }
                catch (OperationCanceledException) { }
            }
            Assert.Contains(seen, e => e.Data.ToString()!.Contains(name) && e.Data.ToString()!.Contains("started"));
            // The removed container comes back as a new one; whether the pass that noticed it created it ("recreated") or
            // found one a racing pass had just created ("started"), every repair is announced.
            Assert.True(seen.Count(e => e.Data.ToString()!.Contains(name)) >= 2, string.Join("\n", seen));
        }
        finally
        {
            await f.Client.PutAsJsonAsync("/api/homei/v1/config", new { orchestrator = new { monitoring = new { health_check_interval = 60 } } });
            await f.Cleanup(name);
        }
    }

    [Fact]
    public async Task Only_a_host_that_allows_it_runs_the_reconciler()
    {
        // Homei's host (Homei__Reconcile true) holds its fleet's reconciler; a host set to false never competes for it.
        var reconciler = f.App.Services.GetRequiredService<ReconciliationService>();
        await Fleet.Tests.Timers.TimerTests.Eventually(() => reconciler.IsRunning, TimeSpan.FromSeconds(30), "the reconciler on Homei's host");
        await using var other = await FleetApp.StartAsync(new Dictionary<string, string?> { ["Homei__Reconcile"] = "false" });
        var idle = other.Services.GetRequiredService<ReconciliationService>();
        // It returned at start without taking or waiting for the lease.
        await Fleet.Tests.Timers.TimerTests.Eventually(() => idle.ExecuteTask is { IsCompletedSuccessfully: true }, TimeSpan.FromSeconds(10), "the idle reconciler to return");
        Assert.False(idle.IsRunning);
    }

    [Fact]
    public async Task System_info_config_and_metrics_come_from_the_host_the_store_and_the_engine()
    {
        var info = await Json(await f.Client.GetAsync("/api/homei/v1/system/info"));
        Assert.Equal(Environment.MachineName, info.GetProperty("hostname").GetString());
        Assert.Equal("linux", info.GetProperty("platform").GetString());
        Assert.Equal(Environment.ProcessorCount, info.GetProperty("cpu_count").GetInt32());
        Assert.True(info.GetProperty("memory").GetProperty("total").GetInt64() > 0);
        Assert.True(info.GetProperty("disk").GetProperty("total").GetInt64() > 0);
        Assert.True(info.GetProperty("uptime").GetInt64() > 0);
        Assert.Equal(3, info.GetProperty("load_average").GetArrayLength());

        var config = await Json(await f.Client.GetAsync("/api/homei/v1/config"));
        Assert.Equal("Homei Orchestrator", config.GetProperty("orchestrator").GetProperty("name").GetString());
        var r = await f.Client.PutAsJsonAsync("/api/homei/v1/config", new { orchestrator = new { api = new { port = 8081 } } });
        Assert.Equal("updated", (await Json(r)).GetProperty("status").GetString());
        config = await Json(await f.Client.GetAsync("/api/homei/v1/config"));
        Assert.Equal(8081, config.GetProperty("orchestrator").GetProperty("api").GetProperty("port").GetInt32());
        Assert.Equal("0.0.0.0", config.GetProperty("orchestrator").GetProperty("api").GetProperty("host").GetString()); // deep merge kept it
        r = await f.Client.PutAsJsonAsync("/api/homei/v1/config", new { orchestrator = new { monitoring = new { health_check_interval = "soon" } } });
        await HomeiValidationTests.AssertError(r, HttpStatusCode.BadRequest, "CONFIG_ERROR", "orchestrator.monitoring.health_check_interval");
        await f.Client.PutAsJsonAsync("/api/homei/v1/config", new { orchestrator = new { api = new { port = 8080 } } });

        var name = UniqueName("metric");
        try
        {
            Assert.Equal(HttpStatusCode.Created, (await f.CreateService(TickerService(name))).StatusCode);
            var text = await f.Client.GetStringAsync("/api/homei/metrics");
            var running = (await f.Docker.Containers.ListContainersAsync(new ContainersListParameters { All = true })).Count(c => c.State == "running");
            Assert.Contains("# TYPE homei_containers_total gauge", text);
            Assert.Matches(@"homei_containers_total\{status=""running""\} \d+", text);
            Assert.Matches(@"homei_services_total\{enabled=""true""\} [1-9]\d*", text);
            Assert.Contains("homei_services_total{enabled=\"false\"}", text);
            Assert.True(running >= 1);
        }
        finally
        {
            await f.Cleanup(name);
        }
    }
}
