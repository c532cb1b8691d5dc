using System.Text.Json;
using DurableTask.Core.History;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;

namespace Fleet.Durable.Tests;

/// <summary>The scenario suite, run against each provider (Fleet's on Azurite, the stock DurableTask.AzureStorage on Azurite, and
/// Fleet's in memory) by the derived classes below.</summary>
public abstract class ScenarioTests<TFixture>(TFixture fixture) where TFixture : DurableFixture
{
    protected DurableTaskClient Client => fixture.Client;

    /// <summary>How early a timer may fire: never on Fleet's provider; up to a second on the stock one over Azurite, whose queue
    /// visibility delays are whole seconds.</summary>
    protected virtual TimeSpan TimerSlack => TimeSpan.Zero;

    protected static CancellationToken Timeout(int seconds = 60) => new CancellationTokenSource(TimeSpan.FromSeconds(seconds)).Token;

    protected async Task<OrchestrationMetadata> RunAsync(string name, object? input, string? instanceId = null)
    {
        string id = await Client.ScheduleNewOrchestrationInstanceAsync(name, input, new StartOrchestrationOptions(instanceId));
        return await Client.WaitForInstanceCompletionAsync(id, true, Timeout());
    }

    protected async Task WaitForCustomStatusAsync(string id, string expected)
    {
        var ct = Timeout();
        while ((await Client.GetInstanceAsync(id, true, ct))?.ReadCustomStatusAs<string>() != expected) await Task.Delay(20, ct);
    }

    private async Task<List<HistoryEvent>> HistoryAsync(string id) => (await Client.GetOrchestrationHistoryAsync(id)).ToList();

    [Fact]
    public async Task Chaining_runs_activities_in_order_and_records_history()
    {
        var m = await RunAsync("Chain", null);
        Assert.Equal(OrchestrationRuntimeStatus.Completed, m.RuntimeStatus);
        Assert.Equal(["Hello Tokyo!", "Hello Seattle!", "Hello London!"], m.ReadOutputAs<List<string>>());
        var history = await HistoryAsync(m.InstanceId);
        Assert.Equal(3, history.Count(e => e.EventType == EventType.TaskScheduled));
        Assert.Equal(3, history.Count(e => e.EventType == EventType.TaskCompleted));
        Assert.Equal(EventType.ExecutionCompleted, history.Last(e => e.EventType != EventType.OrchestratorCompleted).EventType);
        Assert.True(m.CreatedAt <= m.LastUpdatedAt);
    }

    [Fact]
    public async Task Fan_out_fan_in_of_100_activities()
    {
        var m = await RunAsync("FanOut", 100);
        Assert.Equal(OrchestrationRuntimeStatus.Completed, m.RuntimeStatus);
        Assert.Equal(Enumerable.Range(1, 100).Sum(i => (long)i * i), m.ReadOutputAs<long>());
        var history = await HistoryAsync(m.InstanceId);
        Assert.Equal(100, history.Count(e => e.EventType == EventType.TaskCompleted));
    }

    [Fact]
    public async Task Retry_policy_retries_until_the_activity_succeeds()
    {
        string key = Guid.NewGuid().ToString("N");
        var m = await RunAsync("RetrySucceeds", key);
        Assert.Equal(OrchestrationRuntimeStatus.Completed, m.RuntimeStatus);
        Assert.Equal(3, m.ReadOutputAs<int>());
        var history = await HistoryAsync(m.InstanceId);
        Assert.Equal(2, history.Count(e => e.EventType == EventType.TaskFailed));
        Assert.Equal(2, history.Count(e => e.EventType == EventType.TimerCreated));
    }

    [Fact]
    public async Task Retry_policy_gives_up_after_max_attempts_and_fails_the_instance()
    {
        string key = Guid.NewGuid().ToString("N");
        var m = await RunAsync("RetryExhausts", key);
        Assert.Equal(OrchestrationRuntimeStatus.Failed, m.RuntimeStatus);
        Assert.Equal(3, TestTasks.Attempts[key]);
        Assert.Equal(typeof(TaskFailedException).FullName, m.FailureDetails!.ErrorType);
        Assert.Equal(typeof(InvalidOperationException).FullName, m.FailureDetails.InnerFailure!.ErrorType);
        Assert.Contains("always fails (attempt 3)", m.FailureDetails.InnerFailure.ErrorMessage);
    }

    [Fact]
    public async Task Retry_policy_HandleFailure_stops_retrying_unhandled_failures()
    {
        string key = Guid.NewGuid().ToString("N");
        var m = await RunAsync("RetryHandleFailure", key);
        Assert.Equal(OrchestrationRuntimeStatus.Failed, m.RuntimeStatus);
        Assert.Equal(1, TestTasks.Attempts[key]);
    }

    [Fact]
    public async Task Sub_orchestrations_return_output_and_failures_surface_as_TaskFailedException()
    {
        string id = "parent-" + Guid.NewGuid().ToString("N");
        var m = await RunAsync("Parent", null, id);
        Assert.Equal(OrchestrationRuntimeStatus.Completed, m.RuntimeStatus);
        Assert.Equal($"Hello kid! from {id} | caught FailingChild: System.InvalidOperationException: child broke", m.ReadOutputAs<string>());
        var bad = await Client.GetInstanceAsync(id + "-bad");
        Assert.Equal(OrchestrationRuntimeStatus.Failed, bad!.RuntimeStatus);
        var good = await Client.GetInstanceAsync(id + "-good", true);
        Assert.Equal(OrchestrationRuntimeStatus.Completed, good!.RuntimeStatus);
    }

    [Fact]
    public async Task Durable_timer_fires_and_long_timers_are_chained_below_the_maximum_interval()
    {
        var m = await RunAsync("Timer", 1500);
        Assert.Equal(OrchestrationRuntimeStatus.Completed, m.RuntimeStatus);
        Assert.True(m.ReadOutputAs<double>() >= 1500 - TimerSlack.TotalMilliseconds, $"elapsed {m.ReadOutputAs<double>()} ms");
        // The fixture's maximum interval is 700 ms: 1.5 s takes chained timers, each at most 700 ms long
        // (how many depends on how late each fired: Azure queue delays have whole-second resolution).
        var history = await HistoryAsync(m.InstanceId);
        var timers = history.OfType<TimerCreatedEvent>().ToList();
        Assert.True(timers.Count >= 2, $"{timers.Count} timers");
        Assert.Equal(timers.Count, history.Count(e => e.EventType == EventType.TimerFired));
        Assert.All(timers.Take(timers.Count - 1), t => Assert.True(t.FireAt - t.Timestamp <= TimeSpan.FromMilliseconds(700)));
    }

    [Fact]
    public async Task External_event_raised_after_the_wait_completes_it_and_custom_status_shows_progress()
    {
        string id = await Client.ScheduleNewOrchestrationInstanceAsync("WaitEvent");
        await WaitForCustomStatusAsync(id, "waiting");
        Assert.Equal(OrchestrationRuntimeStatus.Running, (await Client.GetInstanceAsync(id))!.RuntimeStatus);
        await Client.RaiseEventAsync(id, "Approval", "yes");
        var m = await Client.WaitForInstanceCompletionAsync(id, true, Timeout());
        Assert.Equal("yes", m.ReadOutputAs<string>());
        Assert.Equal("done", m.ReadCustomStatusAs<string>());
    }

    [Fact]
    public async Task External_event_raised_before_the_wait_is_buffered()
    {
        string id = await Client.ScheduleNewOrchestrationInstanceAsync("WaitEventLater");
        await Client.RaiseEventAsync(id, "approval", "early");
        var m = await Client.WaitForInstanceCompletionAsync(id, true, Timeout());
        Assert.Equal(OrchestrationRuntimeStatus.Completed, m.RuntimeStatus);
        Assert.Equal("early", m.ReadOutputAs<string>());
    }

    [Fact]
    public async Task External_event_wait_times_out()
    {
        var m = await RunAsync("EventTimeout", 400);
        Assert.Equal("timed out", m.ReadOutputAs<string>());
    }

    [Fact]
    public async Task SendEvent_delivers_to_another_instance()
    {
        string target = await Client.ScheduleNewOrchestrationInstanceAsync("WaitEvent");
        await WaitForCustomStatusAsync(target, "waiting");
        var sender = await RunAsync("Sender", target);
        Assert.Equal(OrchestrationRuntimeStatus.Completed, sender.RuntimeStatus);
        var m = await Client.WaitForInstanceCompletionAsync(target, true, Timeout());
        Assert.Equal("sent by " + sender.InstanceId, m.ReadOutputAs<string>());
    }

    [Fact]
    public async Task ContinueAsNew_50_times_resets_history()
    {
        var m = await RunAsync("Counter", 0);
        Assert.Equal(OrchestrationRuntimeStatus.Completed, m.RuntimeStatus);
        Assert.Equal(50, m.ReadOutputAs<int>());
        var history = await HistoryAsync(m.InstanceId);
        Assert.Single(history, e => e.EventType == EventType.ExecutionStarted);
        Assert.Equal(50, JsonSerializer.Deserialize<int>(history.OfType<ExecutionStartedEvent>().Single().Input!));
    }

    [Fact]
    public async Task ContinueAsNew_keeps_unprocessed_events()
    {
        string id = await Client.ScheduleNewOrchestrationInstanceAsync("Accumulate", new[] { 0, 0 });
        await Client.WaitForInstanceStartAsync(id, false, Timeout());
        // All three arrive at once: two of them reach an execution that takes only one and must be carried over.
        await Task.WhenAll(Client.RaiseEventAsync(id, "add", 1), Client.RaiseEventAsync(id, "add", 10), Client.RaiseEventAsync(id, "add", 100));
        var m = await Client.WaitForInstanceCompletionAsync(id, true, Timeout());
        Assert.Equal(111, m.ReadOutputAs<int>());
    }

    [Fact]
    public async Task Terminate_ends_a_running_instance_with_the_given_output()
    {
        string id = await Client.ScheduleNewOrchestrationInstanceAsync("WaitEvent");
        await WaitForCustomStatusAsync(id, "waiting");
        await Client.TerminateInstanceAsync(id, "stopped by test");
        var m = await Client.WaitForInstanceCompletionAsync(id, true, Timeout());
        Assert.Equal(OrchestrationRuntimeStatus.Terminated, m.RuntimeStatus);
        Assert.Equal("stopped by test", m.ReadOutputAs<string>());
        Assert.Equal("waiting", m.ReadCustomStatusAs<string>());
    }

    [Fact]
    public async Task Suspend_holds_events_until_resume()
    {
        string id = await Client.ScheduleNewOrchestrationInstanceAsync("WaitEvent");
        await WaitForCustomStatusAsync(id, "waiting");
        await Client.SuspendInstanceAsync(id, "maintenance");
        var ct = Timeout();
        while ((await Client.GetInstanceAsync(id, ct))!.RuntimeStatus != OrchestrationRuntimeStatus.Suspended) await Task.Delay(20, ct);
        await Client.RaiseEventAsync(id, "Approval", "while suspended");
        await Task.Delay(700);
        Assert.Equal(OrchestrationRuntimeStatus.Suspended, (await Client.GetInstanceAsync(id))!.RuntimeStatus);
        await Client.ResumeInstanceAsync(id, "done");
        var m = await Client.WaitForInstanceCompletionAsync(id, true, Timeout());
        Assert.Equal(OrchestrationRuntimeStatus.Completed, m.RuntimeStatus);
        Assert.Equal("while suspended", m.ReadOutputAs<string>());
    }

    [Fact]
    public async Task Restart_with_the_same_id_and_with_a_new_id()
    {
        var first = await RunAsync("Chain", null, "restart-" + Guid.NewGuid().ToString("N"));
        string same = await Client.RestartAsync(first.InstanceId, restartWithNewInstanceId: false);
        Assert.Equal(first.InstanceId, same);
        var again = await Client.WaitForInstanceCompletionAsync(same, true, Timeout());
        Assert.Equal(OrchestrationRuntimeStatus.Completed, again.RuntimeStatus);
        Assert.True(again.CreatedAt >= first.CreatedAt);
        Assert.Single(await HistoryAsync(same), e => e.EventType == EventType.ExecutionStarted);

        string other = await Client.RestartAsync(first.InstanceId, restartWithNewInstanceId: true);
        Assert.NotEqual(first.InstanceId, other);
        var m = await Client.WaitForInstanceCompletionAsync(other, true, Timeout());
        Assert.Equal(first.SerializedOutput, m.SerializedOutput);
    }

    [Fact]
    public async Task Purge_one_and_purge_by_filter()
    {
        var from = DateTimeOffset.UtcNow.AddSeconds(-1);
        var m = await RunAsync("Chain", null);
        Assert.Equal(1, (await Client.PurgeInstanceAsync(m.InstanceId)).PurgedInstanceCount);
        Assert.Null(await Client.GetInstanceAsync(m.InstanceId));
        Assert.Empty(await Client.GetOrchestrationHistoryAsync(m.InstanceId));
        Assert.Equal(0, (await Client.PurgeInstanceAsync(m.InstanceId)).PurgedInstanceCount);

        string prefix = "purge-" + Guid.NewGuid().ToString("N")[..8];
        var done = await Task.WhenAll(Enumerable.Range(0, 3).Select(i => RunAsync("Chain", null, $"{prefix}-{i}")));
        string running = await Client.ScheduleNewOrchestrationInstanceAsync("WaitEvent", null, new StartOrchestrationOptions($"{prefix}-running"));
        await Client.WaitForInstanceStartAsync(running, false, Timeout());
        var result = await Client.PurgeAllInstancesAsync(new PurgeInstancesFilter(from, null, [OrchestrationRuntimeStatus.Completed]));
        Assert.True(result.PurgedInstanceCount >= 3);
        foreach (var d in done) Assert.Null(await Client.GetInstanceAsync(d.InstanceId));
        Assert.NotNull(await Client.GetInstanceAsync(running));
        await Client.TerminateInstanceAsync(running);
    }

    [Fact]
    public async Task Replay_that_diverges_fails_the_instance_naming_expected_and_actual()
    {
        string id = await Client.ScheduleNewOrchestrationInstanceAsync("Nondeterministic");
        await WaitForCustomStatusAsync(id, "waiting");
        TestTasks.ChangedCode[id] = true;
        await Client.RaiseEventAsync(id, "go", "now");
        var m = await Client.WaitForInstanceCompletionAsync(id, true, Timeout());
        Assert.Equal(OrchestrationRuntimeStatus.Failed, m.RuntimeStatus);
        Assert.Contains("NonDeterministic", m.FailureDetails!.ErrorType);
        Assert.Contains("Hello", m.FailureDetails.ErrorMessage);
    }

    [Fact]
    public async Task Instance_id_reuse_is_refused_while_running_and_allowed_after()
    {
        string id = "reuse-" + Guid.NewGuid().ToString("N");
        await Client.ScheduleNewOrchestrationInstanceAsync("WaitEvent", null, new StartOrchestrationOptions(id));
        await Assert.ThrowsAnyAsync<InvalidOperationException>(() => Client.ScheduleNewOrchestrationInstanceAsync("Chain", null, new StartOrchestrationOptions(id)));
        await Client.TerminateInstanceAsync(id);
        await Client.WaitForInstanceCompletionAsync(id, false, Timeout());
        var m = await RunAsync("Chain", null, id);
        Assert.Equal(OrchestrationRuntimeStatus.Completed, m.RuntimeStatus);
        Assert.Equal("Chain", m.Name);
    }

    [Fact]
    public async Task Scheduled_start_waits_until_StartAt()
    {
        var startAt = DateTimeOffset.UtcNow.AddSeconds(1.5);
        string id = await Client.ScheduleNewOrchestrationInstanceAsync("Chain", null, new StartOrchestrationOptions(StartAt: startAt));
        Assert.Equal(OrchestrationRuntimeStatus.Pending, (await Client.GetInstanceAsync(id))!.RuntimeStatus);
        var m = await Client.WaitForInstanceCompletionAsync(id, true, Timeout());
        Assert.Equal(OrchestrationRuntimeStatus.Completed, m.RuntimeStatus);
        Assert.True(DateTimeOffset.UtcNow >= startAt - TimerSlack);
        var started = (await HistoryAsync(id)).First(e => e.EventType == EventType.OrchestratorStarted);
        Assert.True(started.Timestamp >= startAt.UtcDateTime.AddMilliseconds(-50) - TimerSlack, $"started {started.Timestamp:O}, due {startAt:O}");
    }

    [Fact]
    public async Task NewGuid_is_deterministic_across_replays()
    {
        var m = await RunAsync("Guids", null);
        var guids = m.ReadOutputAs<string[]>()!;
        Assert.NotEqual(guids[0], guids[1]);
        Assert.All(guids, g => Assert.Equal('5', g[14]));
    }

    [Fact]
    public async Task Payload_of_200_KB_round_trips_through_input_activity_and_output()
    {
        string big = string.Concat(Enumerable.Range(0, 200 * 1024 / 16).Select(i => i.ToString("x16")));
        var m = await RunAsync("EchoLarge", big);
        Assert.Equal(OrchestrationRuntimeStatus.Completed, m.RuntimeStatus);
        Assert.Equal(big + "!", m.ReadOutputAs<string>());
        Assert.Equal(big, m.ReadInputAs<string>());
    }

    [Fact]
    public async Task Class_based_tasks_registered_by_type()
    {
        var m = await RunAsync("Greeting", "Ada");
        Assert.Equal("Greetings, Ada (GreetActivity)", m.ReadOutputAs<string>());
    }

    [Fact]
    public async Task Custom_status_never_set_is_null_not_the_JSON_literal()
    {
        var m = await RunAsync("Chain", null);
        Assert.Null(m.SerializedCustomStatus);
        Assert.Null((await Client.GetInstanceAsync(m.InstanceId, true))!.SerializedCustomStatus);
    }

    [Fact]
    public async Task First_failed_activity_fails_with_its_details_not_a_NullReferenceException()
    {
        string key = Guid.NewGuid().ToString("N");
        var m = await RunAsync("CallAlwaysFails", key);
        Assert.Equal(OrchestrationRuntimeStatus.Failed, m.RuntimeStatus);
        Assert.Equal(typeof(InvalidOperationException).FullName, m.FailureDetails!.InnerFailure!.ErrorType);
        Assert.Contains("always fails (attempt 1)", m.FailureDetails.InnerFailure.ErrorMessage);
        Assert.DoesNotContain("NullReference", m.FailureDetails.ToString());
    }

    [Fact]
    public async Task Unknown_orchestrator_fails_the_instance_with_a_message_naming_it()
    {
        var m = await RunAsync("NoSuchOrchestrator", null);
        Assert.Equal(OrchestrationRuntimeStatus.Failed, m.RuntimeStatus);
        Assert.Contains("NoSuchOrchestrator", m.FailureDetails!.ErrorMessage);
    }

    [Fact]
    public async Task Query_pages_with_continuation_tokens()
    {
        string prefix = "query-" + Guid.NewGuid().ToString("N")[..8];
        await Task.WhenAll(Enumerable.Range(0, 5).Select(i => RunAsync("Chain", null, $"{prefix}-{i}")));
        var pages = new List<Page<OrchestrationMetadata>>();
        await foreach (var page in Client.GetAllInstancesAsync(new OrchestrationQuery { InstanceIdPrefix = prefix, PageSize = 2 }).AsPages())
            pages.Add(page);
        Assert.Equal(5, pages.Sum(p => p.Values.Count));
        Assert.True(pages.Count >= 3);
        Assert.All(pages.SelectMany(p => p.Values), v => Assert.StartsWith(prefix, v.InstanceId));
        var running = new List<OrchestrationMetadata>();
        await foreach (var m in Client.GetAllInstancesAsync(new OrchestrationQuery { InstanceIdPrefix = prefix, Statuses = [OrchestrationRuntimeStatus.Running] }))
            running.Add(m);
        Assert.Empty(running);
    }
}

/// <summary>What Fleet's provider guarantees beyond the stock one (whose parent waits forever when a sub-orchestration's id is taken).</summary>
public abstract class FleetProviderScenarioTests<TFixture>(TFixture fixture) : ScenarioTests<TFixture>(fixture) where TFixture : DurableFixture
{
    [Fact]
    public async Task Sub_orchestration_with_an_id_that_is_running_fails_the_call_instead_of_hanging()
    {
        string taken = await Client.ScheduleNewOrchestrationInstanceAsync("WaitEvent");
        await WaitForCustomStatusAsync(taken, "waiting");
        var m = await RunAsync("ChildIdTaken", taken);
        Assert.Equal(OrchestrationRuntimeStatus.Completed, m.RuntimeStatus);
        Assert.Contains("already exists", m.ReadOutputAs<string>());
        await Client.TerminateInstanceAsync(taken);
    }
}

public sealed class InMemoryScenarioTests(InMemoryFixture fixture) : FleetProviderScenarioTests<InMemoryFixture>(fixture), IClassFixture<InMemoryFixture>;

public sealed class FleetScenarioTests(AzuriteFixture fixture) : FleetProviderScenarioTests<AzuriteFixture>(fixture), IClassFixture<AzuriteFixture>;

public sealed class StockScenarioTests(StockFixture fixture) : ScenarioTests<StockFixture>(fixture), IClassFixture<StockFixture>
{
    protected override TimeSpan TimerSlack => TimeSpan.FromSeconds(1);
}
