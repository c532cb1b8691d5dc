using Fleet.Durable.Client;
using Microsoft.Extensions.Logging;

namespace Fleet.Durable.Runtime;

/// <summary>Runs one orchestration episode: replays past history, applies new events, and reports the new actions and outcome.</summary>
internal static class OrchestrationExecutor
{
    public const string NonDeterminismErrorType = "NonDeterministicOrchestrationException";

    public static ExecutionResult Execute(ITaskOrchestrator orchestrator, string instanceId, IReadOnlyList<HistoryEvent> past,
        IReadOnlyList<HistoryEvent> fresh, TimeSpan maximumTimerInterval, ILoggerFactory? loggerFactory)
    {
        var ctx = new OrchestrationContextImpl(instanceId, maximumTimerInterval, loggerFactory);
        var sync = new ReplaySynchronizationContext();
        var previous = SynchronizationContext.Current;
        var result = new ExecutionResult();
        Task<object?>? run = null;
        string? nonDeterminism = null;
        bool suspended = false;
        var held = new List<HistoryEvent>();
        var unprocessed = new List<HistoryEvent>();

        void Apply(HistoryEvent e)
        {
            if (suspended && e.EventType is not (EventType.ExecutionResumed or EventType.OrchestratorStarted))
            {
                held.Add(e);
                return;
            }
            switch (e.EventType)
            {
                case EventType.OrchestratorStarted:
                    ctx.Now = e.Timestamp;
                    break;
                case EventType.ExecutionStarted:
                    ctx.NameValue = e.Name ?? "";
                    ctx.SerializedInput = e.Input;
                    if (e.ParentInstanceId is not null) ctx.ParentValue = new ParentOrchestrationInstance(e.ParentName ?? "", e.ParentInstanceId);
                    if (ctx.Now == default) ctx.Now = e.Timestamp;
                    try
                    {
                        run = orchestrator.RunAsync(ctx, DataConverter.Deserialize(e.Input, orchestrator.InputType));
                    }
                    catch (Exception ex)
                    {
                        run = Task.FromException<object?>(ex);
                    }
                    break;
                case EventType.ExecutionSuspended:
                    suspended = true;
                    break;
                case EventType.ExecutionResumed:
                    suspended = false;
                    var release = held.ToList();
                    held.Clear();
                    foreach (var h in release) Apply(h);
                    break;
                case EventType.TaskScheduled or EventType.TimerCreated or EventType.SubOrchestrationInstanceCreated or EventType.EventSent:
                    if (!ctx.Pending.Remove(e.EventId, out var action))
                        nonDeterminism = $"Non-deterministic workflow detected: history has {Describe(e)} (#{e.EventId}) but the orchestrator code did not schedule it on replay.";
                    else if (action.EventType != e.EventType || !string.Equals(action.Name, e.Name, StringComparison.OrdinalIgnoreCase))
                        nonDeterminism = $"Non-deterministic workflow detected: expected {Describe(e)} (#{e.EventId}) from history, but the orchestrator code scheduled {Describe(action)}.";
                    break;
                case EventType.TaskCompleted or EventType.TaskFailed or EventType.SubOrchestrationInstanceCompleted
                    or EventType.SubOrchestrationInstanceFailed or EventType.TimerFired:
                    ctx.Complete(e);
                    break;
                case EventType.EventRaised:
                    ctx.DeliverEvent(e);
                    break;
            }
            sync.Drain();
        }

        SynchronizationContext.SetSynchronizationContext(sync);
        try
        {
            ctx.Replaying = true;
            foreach (var e in past)
            {
                Apply(e);
                if (nonDeterminism is not null) break;
            }
            ctx.Replaying = false;
            if (nonDeterminism is null)
            {
                foreach (var e in fresh)
                {
                    if (run is { IsCompleted: true })
                    {
                        if (e.EventType == EventType.EventRaised) unprocessed.Add(e);
                        continue;
                    }
                    Apply(e);
                    if (nonDeterminism is not null) break;
                }
            }
            // Actions scheduled on replay that history does not have yet, while replaying, are fine: they are new.
            sync.Drain();
        }
        finally
        {
            SynchronizationContext.SetSynchronizationContext(previous);
        }

        result.CustomStatus = ctx.CustomStatus;
        if (nonDeterminism is not null)
        {
            result.FinalStatus = OrchestrationRuntimeStatus.Failed;
            result.Failure = new TaskFailureDetails(NonDeterminismErrorType, nonDeterminism, null, null);
            return result;
        }
        result.Actions.AddRange(ctx.Pending.Values);
        if (run is null || !run.IsCompleted) return result;

        if (run.IsFaulted || run.IsCanceled)
        {
            Exception ex = run.Exception?.InnerException ?? new TaskCanceledException("The orchestrator was canceled.");
            result.FinalStatus = OrchestrationRuntimeStatus.Failed;
            result.Failure = TaskFailureDetails.FromException(ex);
        }
        else if (ctx.ContinueAsNewRequested)
        {
            result.FinalStatus = OrchestrationRuntimeStatus.ContinuedAsNew;
            result.ContinueAsNewInput = ctx.ContinueAsNewInput;
            if (ctx.PreserveUnprocessedEvents)
            {
                result.CarryOverEvents.AddRange(ctx.Buffered);
                result.CarryOverEvents.AddRange(held.Where(h => h.EventType == EventType.EventRaised));
                result.CarryOverEvents.AddRange(unprocessed);
            }
        }
        else
        {
            result.FinalStatus = OrchestrationRuntimeStatus.Completed;
            result.Output = DataConverter.Serialize(run.Result);
        }
        return result;
    }

    private static string Describe(HistoryEvent e) => e.EventType switch
    {
        EventType.TaskScheduled => $"activity '{e.Name}'",
        EventType.SubOrchestrationInstanceCreated => $"sub-orchestration '{e.Name}'",
        EventType.TimerCreated => "a timer",
        EventType.EventSent => $"event '{e.Name}' sent",
        _ => e.EventType.ToString(),
    };
}
