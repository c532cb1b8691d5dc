using Fleet.Durable.Storage;
using Fleet.Durable.Worker;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Fleet.Durable.Runtime;

/// <summary>Runs one activity work item and reports its result to the orchestration's control queue (at least once).</summary>
internal sealed class ActivityDispatcher(TaskHub hub, DurableTaskRegistry registry, IServiceProvider services, ILoggerFactory loggerFactory)
{
    private readonly ILogger _log = loggerFactory.CreateLogger("Fleet.Durable.Activities");

    public async Task ProcessAsync(QueueItem item, CancellationToken ct)
    {
        var m = item.Message;
        var scheduled = m.Event;
        HistoryEvent outcome;
        if (item.DequeueCount > hub.Options.MaxDequeueCount)
        {
            // A work item that keeps crashing its host is not retried forever: the task fails with the reason.
            outcome = Failed(scheduled, new TaskFailureDetails("PoisonMessage",
                $"Activity '{scheduled.Name}' was dequeued {item.DequeueCount} times without completing (limit {hub.Options.MaxDequeueCount}).", null, null));
        }
        else if (!registry.Activities.TryGetValue(scheduled.Name ?? "", out var factory))
        {
            outcome = Failed(scheduled, new TaskFailureDetails("ActivityTaskNotFound", $"No activity named '{scheduled.Name}' is registered.", null, null));
        }
        else
        {
            try
            {
                await using var scope = services.CreateAsyncScope();
                var activity = factory(scope.ServiceProvider);
                object? input = DataConverter.Deserialize(scheduled.Input, activity.InputType);
                object? output = await activity.RunAsync(new ActivityContext(scheduled.Name!, m.InstanceId), input);
                outcome = new HistoryEvent { EventType = EventType.TaskCompleted, TaskScheduledId = scheduled.EventId, Result = DataConverter.Serialize(output) };
            }
            catch (Exception ex) when (!ct.IsCancellationRequested)
            {
                _log.LogDebug(ex, "Activity {Name} of {InstanceId} failed.", scheduled.Name, m.InstanceId);
                outcome = Failed(scheduled, TaskFailureDetails.FromException(ex));
            }
        }
        outcome.Timestamp = DateTime.UtcNow;
        try
        {
            await hub.Store.SendAsync(new TaskMessage { InstanceId = m.InstanceId, ExecutionId = m.ExecutionId, Event = outcome }, false, null, ct);
        }
        catch (Exception ex) when (!ct.IsCancellationRequested)
        {
            // The result was not delivered: run the activity again soon rather than after the visibility timeout (at least once).
            _log.LogWarning(ex, "Result of activity {Name} for {InstanceId} could not be sent; retrying the work item.", scheduled.Name, m.InstanceId);
            try { await hub.Store.AbandonAsync(item, TimeSpan.FromSeconds(1), ct); } catch { /* the visibility timeout brings it back */ }
            return;
        }
        await hub.Store.DeleteAsync(item, ct);
    }

    private static HistoryEvent Failed(HistoryEvent scheduled, TaskFailureDetails details)
        => new() { EventType = EventType.TaskFailed, TaskScheduledId = scheduled.EventId, FailureDetails = details };

    private sealed class ActivityContext(string name, string instanceId) : TaskActivityContext
    {
        public override TaskName Name => name;
        public override string InstanceId => instanceId;
    }
}
