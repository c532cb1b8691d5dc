using Fleet.Durable.Storage;
using Fleet.Durable.Worker;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Fleet.Durable.Runtime;

/// <summary>Runs the activities of one work-item queue message and reports their results, together, to the orchestration's
/// control queue (at least once: the work item is deleted only after the results are sent).</summary>
internal sealed class ActivityDispatcher(TaskHub hub, DurableTaskRegistry registry, IServiceProvider services, ILoggerFactory loggerFactory)
{
    private readonly ILogger _log = loggerFactory.CreateLogger("Fleet.Durable.Activities");

    /// <param name="parallelism">How many of the item's activities may run at once (the activity slots its poller holds).</param>
    public async Task ProcessAsync(QueueItem item, int parallelism, CancellationToken ct)
    {
        using var renewal = new CancellationTokenSource();
        Task renewing = KeepHiddenAsync(item, renewal.Token);
        try
        {
            await RunAndReportAsync(item, parallelism, ct);
        }
        finally
        {
            renewal.Cancel();
            await renewing;
        }
    }

    /// <summary>Long activities keep their work item hidden, so that no other worker starts a second copy meanwhile.</summary>
    private async Task KeepHiddenAsync(QueueItem item, CancellationToken ct)
    {
        var visibility = hub.Options.MessageVisibilityTimeout;
        try
        {
            while (true)
            {
                await Task.Delay(visibility / 2, ct);
                await hub.Store.AbandonAsync(item, visibility, ct);
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (Exception ex)
        {
            _log.LogWarning(ex, "Could not extend the visibility of the work item for {InstanceId}.", item.InstanceId);
        }
    }

    private async Task RunAndReportAsync(QueueItem item, int parallelism, CancellationToken ct)
    {
        var outcomes = new TaskMessage[item.Messages.Count];
        if (item.DequeueCount > hub.Options.MaxDequeueCount)
        {
            // A work item that keeps crashing its host is not retried forever: it is parked and its tasks fail with the reason.
            string names = string.Join(", ", item.Messages.Select(m => m.Event.Name).Distinct());
            string reason = $"Activity '{names}' was dequeued {item.DequeueCount} times without completing (limit {hub.Options.MaxDequeueCount}); the message was moved to the poison store.";
            await hub.Store.WritePoisonAsync(item, reason, ct);
            for (int i = 0; i < outcomes.Length; i++)
                outcomes[i] = Report(item.Messages[i], Failed(item.Messages[i].Event, new TaskFailureDetails("PoisonMessage", reason, null, null)));
        }
        else
        {
            await Parallel.ForEachAsync(Enumerable.Range(0, outcomes.Length), new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, parallelism) },
                async (i, _) => outcomes[i] = Report(item.Messages[i], await RunAsync(item.Messages[i], ct)));
        }
        try
        {
            await hub.SendControlAsync(outcomes, ct);
        }
        catch (Exception ex) when (!ct.IsCancellationRequested)
        {
            // The results were not delivered: run the activities again soon rather than after the visibility timeout (at least once).
            _log.LogWarning(ex, "Results of {Count} activities for {InstanceId} could not be sent; retrying the work item.", outcomes.Length, item.InstanceId);
            try { await hub.Store.AbandonAsync(item, TimeSpan.FromSeconds(1), ct); } catch { /* the visibility timeout brings it back */ }
            return;
        }
        await hub.Store.DeleteAsync(item, ct);
    }

    private static TaskMessage Report(TaskMessage work, HistoryEvent outcome)
    {
        outcome.Timestamp = DateTime.UtcNow;
        return new TaskMessage { InstanceId = work.InstanceId, ExecutionId = work.ExecutionId, Event = outcome };
    }

    private async Task<HistoryEvent> RunAsync(TaskMessage m, CancellationToken ct)
    {
        var scheduled = m.Event;
        if (!registry.Activities.TryGetValue(scheduled.Name ?? "", out var factory))
            return Failed(scheduled, new TaskFailureDetails("ActivityTaskNotFound", $"No activity named '{scheduled.Name}' is registered.", null, null));
        try
        {
            await using var scope = services.CreateAsyncScope();
            var activity = factory(scope.ServiceProvider);
            object? input = DataConverter.Deserialize(scheduled.Input, activity.InputType);
            object? output = await activity.RunAsync(new ActivityContext(scheduled.Name!, m.InstanceId), input);
            return new HistoryEvent { EventType = EventType.TaskCompleted, TaskScheduledId = scheduled.EventId, Result = DataConverter.Serialize(output) };
        }
        catch (Exception ex) when (!ct.IsCancellationRequested)
        {
            _log.LogDebug(ex, "Activity {Name} of {InstanceId} failed.", scheduled.Name, m.InstanceId);
            return Failed(scheduled, TaskFailureDetails.FromException(ex));
        }
    }

    private static HistoryEvent Failed(HistoryEvent scheduled, TaskFailureDetails details)
        => new() { EventType = EventType.TaskFailed, TaskScheduledId = scheduled.EventId, FailureDetails = details };

    private sealed class ActivityContext(string name, string instanceId) : TaskActivityContext
    {
        public override TaskName Name => name;
        public override string InstanceId => instanceId;
    }
}
