using DurableTask.Core;
using DurableTask.Core.History;
using Fleet.Durable.Messaging;

namespace Fleet.Durable.Provider;

/// <summary>Decides, for the messages one episode received, which become new history (accepted), which come back later
/// (deferred: a start scheduled for later, a timer delivered early by the queue's whole-second visibility, a completion that
/// overtook the checkpoint scheduling it, an event for an instance not started yet) and which are dropped (duplicates,
/// completions for another execution, anything for a finished execution). DurableTask.Core's executor then only ever sees
/// events that belong in history, each once.</summary>
internal static class MessageFilter
{
    private static readonly TimeSpan OutOfOrderRetryDelay = TimeSpan.FromMilliseconds(500);

    internal sealed class Result
    {
        public List<QueuedMessage> Accepted { get; } = new();
        public List<(QueueItem Item, QueuedMessage Message, TimeSpan Delay)> Deferred { get; } = new();

        /// <summary>Sub-orchestration starts refused because a running instance already has their id.</summary>
        public List<ExecutionStartedEvent> Refused { get; } = new();

        /// <summary>The accepted start begins a new execution: its history starts empty.</summary>
        public bool Reset { get; set; }
        public bool SawDuplicate { get; set; }
    }

    public static Result Apply(CachedHistory state, IReadOnlyList<QueueItem> items, DateTime now)
    {
        var r = new Result();
        var acceptedIds = new HashSet<string>();
        bool started = state.Started is not null && !state.IsFinal;
        string? executionId = state.ExecutionId;
        var completed = new HashSet<int>(state.Completed);
        var scheduled = state.Scheduled;
        bool startAccepted = false;
        var entries = items.SelectMany(i => i.Messages.Select(m => (Item: i, Message: m)));

        // A start is handled before anything else that came in the same batch.
        foreach (var (item, m) in entries.OrderBy(x => x.Message.Event is ExecutionStartedEvent ? 0 : 1))
        {
            if (state.MessageIds.Contains(m.MessageId) || acceptedIds.Contains(m.MessageId))
            {
                r.SawDuplicate = true;
                continue;
            }
            void Later(TimeSpan delay) => r.Deferred.Add((item, m, delay));
            void Accept()
            {
                r.Accepted.Add(m);
                acceptedIds.Add(m.MessageId);
            }

            if (m.Event is ExecutionStartedEvent start)
            {
                bool newExecution = m.ExecutionId != state.ExecutionId;
                if (start.ScheduledStartTime is { } at && at > now.AddMilliseconds(20))
                {
                    Later(Min(at - now, TimeSpan.FromDays(6)));
                }
                else if (!startAccepted && (state.Started is null || state.IsFinal && newExecution))
                {
                    // A first start, or a new execution under a finished id (restart, reuse): its history starts empty.
                    r.Reset = state.ExecutionId is not null && newExecution;
                    startAccepted = true;
                    started = true;
                    executionId = m.ExecutionId;
                    completed.Clear();
                    scheduled = new HashSet<int>();
                    Accept();
                }
                else if (start.ParentInstance is not null && newExecution && !state.IsFinal)
                {
                    // A sub-orchestration whose chosen id is taken by a running instance: its parent must not wait forever.
                    r.Refused.Add(start);
                }
                continue;
            }
            if (!started)
            {
                // Not started yet (a scheduled start, or a start still on its way): try again later, then give up.
                if (!state.IsFinal && item.DequeueCount < 20) Later(TimeSpan.FromSeconds(1));
                continue;
            }
            if (m.ExecutionId is { Length: > 0 } target && target != executionId) continue;
            if (m.Event is TimerFiredEvent fired && fired.FireAt > now.AddMilliseconds(5))
            {
                // Delivered early (queue delays are whole seconds): hide it again until it is due. Timers are never early.
                Later(fired.FireAt - now);
                continue;
            }
            if (CachedHistory.CompletionOf(m.Event) is { } id)
            {
                if (completed.Contains(id)) continue;
                if (!scheduled.Contains(id))
                {
                    // Out of order: the completion overtook the checkpoint that scheduled it.
                    if (item.DequeueCount < 50) Later(OutOfOrderRetryDelay);
                    continue;
                }
                completed.Add(id);
            }
            Accept();
        }
        return r;
    }

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;
}
