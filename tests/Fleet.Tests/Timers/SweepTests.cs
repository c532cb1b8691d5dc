using Azure.Data.Tables;
using Fleet.Core.Platform.Storage;
using Fleet.Core.Platform.Timers;
using Fleet.Core.Platform.Timers.Sweeps;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Worker;
using Fleet.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;

namespace Fleet.Tests.Timers;

public sealed class SweepTests
{
    private static TimerInfo Tick(string name, DateTimeOffset at) => new()
    {
        TimerName = name, ScheduledTime = at, ScheduleStatus = new ScheduleStatus(null, at.AddDays(1), at),
    };

    /// <summary>The real host on its own task hub, with orchestrators that finish, fail or wait.</summary>
    private static Task<FleetApp> StartDurableAppAsync() => FleetApp.StartAsync(
        settings: new Dictionary<string, string?>
        {
            ["Durable__HubName"] = "t" + Guid.NewGuid().ToString("N")[..12],
            ["Durable__PartitionCount"] = "1",
            ["Durable__MaxQueuePollingInterval"] = "00:00:00.200",
        },
        configure: b => b.Services.AddDurableTaskWorker(w => w.AddTasks(r =>
        {
            r.AddOrchestratorFunc<string>("Quick", _ => Task.FromResult("done"));
            r.AddOrchestratorFunc<string>("Failing", _ => Task.FromException<string>(new InvalidOperationException("sweep test failure")));
            r.AddOrchestratorFunc<string>("Waiting", ctx => ctx.WaitForExternalEvent<string>("go"));
        })));

    [Fact]
    public async Task Purge_removes_old_finished_instances_and_keeps_running_and_recent_ones()
    {
        await using var app = await StartDurableAppAsync();
        var client = app.Services.GetRequiredService<DurableTaskClient>();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var ct = timeout.Token;

        var oldCompleted = await client.ScheduleNewOrchestrationInstanceAsync("Quick", cancellation: ct);
        var oldFailed = await client.ScheduleNewOrchestrationInstanceAsync("Failing", cancellation: ct);
        var oldTerminated = await client.ScheduleNewOrchestrationInstanceAsync("Waiting", cancellation: ct);
        var oldRunning = await client.ScheduleNewOrchestrationInstanceAsync("Waiting", cancellation: ct);
        await client.WaitForInstanceStartAsync(oldTerminated, cancellation: ct);
        await client.TerminateInstanceAsync(oldTerminated, cancellation: ct);
        Assert.Equal(OrchestrationRuntimeStatus.Completed, (await client.WaitForInstanceCompletionAsync(oldCompleted, cancellation: ct)).RuntimeStatus);
        Assert.Equal(OrchestrationRuntimeStatus.Failed, (await client.WaitForInstanceCompletionAsync(oldFailed, cancellation: ct)).RuntimeStatus);
        Assert.Equal(OrchestrationRuntimeStatus.Terminated, (await client.WaitForInstanceCompletionAsync(oldTerminated, cancellation: ct)).RuntimeStatus);
        Assert.Equal(OrchestrationRuntimeStatus.Running, (await client.WaitForInstanceStartAsync(oldRunning, cancellation: ct)).RuntimeStatus);

        // The engine stamps creation with the wall clock, so "old" is "created before this instant", and the
        // sweep's clock stands exactly the retention period after it.
        await Task.Delay(1500, ct);
        var boundary = DateTimeOffset.UtcNow;
        await Task.Delay(1500, ct);
        var recentCompleted = await client.ScheduleNewOrchestrationInstanceAsync("Quick", cancellation: ct);
        await client.WaitForInstanceCompletionAsync(recentCompleted, cancellation: ct);

        var config = app.Services.GetRequiredService<IConfiguration>();
        var sweep = new DurableHistoryPurge(client, config, new FixedClock(boundary.AddDays(DurableHistoryPurge.DefaultRetentionDays)),
            NullLogger<DurableHistoryPurge>.Instance);
        Assert.Equal(7, sweep.RetentionDays);
        await sweep.RunAsync(Tick(sweep.Name, DateTimeOffset.UtcNow), ct);

        Assert.Null(await client.GetInstanceAsync(oldCompleted, ct));
        Assert.Null(await client.GetInstanceAsync(oldFailed, ct));
        Assert.Null(await client.GetInstanceAsync(oldTerminated, ct));
        Assert.Equal(OrchestrationRuntimeStatus.Running, (await client.GetInstanceAsync(oldRunning, ct))!.RuntimeStatus);
        Assert.Equal(OrchestrationRuntimeStatus.Completed, (await client.GetInstanceAsync(recentCompleted, ct))!.RuntimeStatus);
        await client.TerminateInstanceAsync(oldRunning, cancellation: ct);
    }

    [Fact]
    public async Task A_timer_starts_its_period_orchestration_once_even_when_asked_twice()
    {
        await using var app = await StartDurableAppAsync();
        var client = app.Services.GetRequiredService<DurableTaskClient>();
        var info = Tick(TimerTests.UniqueName("fanout"), new DateTimeOffset(2026, 3, 1, 12, 5, 0, TimeSpan.Zero));

        var first = await TimerOrchestrations.StartForPeriodAsync(client, "Quick", info);
        var second = await TimerOrchestrations.StartForPeriodAsync(client, "Quick", info);
        Assert.True(first.Started);
        Assert.False(second.Started);
        Assert.Equal($"timer:{info.TimerName}:20260301T120500", first.InstanceId);
        Assert.Equal(first.InstanceId, second.InstanceId);

        await client.WaitForInstanceCompletionAsync(first.InstanceId);
        // Finished is still "already started": the period's work is not redone.
        Assert.False((await TimerOrchestrations.StartForPeriodAsync(client, "Quick", info)).Started);
        var next = Tick(info.TimerName, info.ScheduledTime.AddMinutes(5));
        Assert.True((await TimerOrchestrations.StartForPeriodAsync(client, "Quick", next)).Started);
    }

    [Fact]
    public async Task Audit_retention_deletes_rows_older_than_the_retention_and_keeps_newer_ones()
    {
        var storage = new FleetStorage(Peers.Storage);
        var tableName = "audit" + Guid.NewGuid().ToString("N")[..12];
        await storage.EnsureTableAsync(tableName);
        var table = storage.Tables.GetTableClient(tableName);

        // Enough old rows in one partition to need two delete batches, plus rows in other partitions.
        await table.SubmitTransactionAsync(Enumerable.Range(0, 100).Select(i => Row("day1", $"a{i:000}")));
        await table.SubmitTransactionAsync(Enumerable.Range(100, 20).Select(i => Row("day1", $"a{i:000}")));
        await table.AddEntityAsync(new TableEntity("day2", "b") { ["Action"] = "login" });
        await Task.Delay(1500);
        var boundary = DateTimeOffset.UtcNow;
        await Task.Delay(1500);
        await table.AddEntityAsync(new TableEntity("day2", "recent") { ["Action"] = "login" });
        await table.AddEntityAsync(new TableEntity("day3", "recent") { ["Action"] = "login" });

        var config = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Auth:AuditRetentionDays"] = "30" }).Build();
        var sweep = new AuditLogRetention(storage, config, new FixedClock(boundary.AddDays(30)), NullLogger<AuditLogRetention>.Instance)
        {
            TableName = tableName,
        };
        Assert.Equal(30, sweep.RetentionDays);
        await sweep.RunAsync(Tick(sweep.Name, DateTimeOffset.UtcNow), default);

        var left = new List<string>();
        await foreach (var e in table.QueryAsync<TableEntity>()) left.Add(e.PartitionKey + "/" + e.RowKey);
        Assert.Equal(["day2/recent", "day3/recent"], left.OrderBy(k => k));
    }

    [Fact]
    public async Task Audit_retention_without_an_audit_table_does_nothing()
    {
        var sweep = new AuditLogRetention(new FleetStorage(Peers.Storage), new ConfigurationBuilder().Build(), TimeProvider.System,
            NullLogger<AuditLogRetention>.Instance) { TableName = "absent" + Guid.NewGuid().ToString("N")[..12] };
        Assert.Equal(90, sweep.RetentionDays);
        await sweep.RunAsync(Tick(sweep.Name, DateTimeOffset.UtcNow), default);
    }

    private static TableTransactionAction Row(string pk, string rk) =>
        new(TableTransactionActionType.Add, new TableEntity(pk, rk) { ["Action"] = "delete_pod" });
}
