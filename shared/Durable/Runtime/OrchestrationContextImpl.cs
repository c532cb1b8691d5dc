using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Fleet.Durable.Runtime;

/// <summary>The context handed to orchestrator code during one episode; it records actions and resolves them from history.</summary>
internal sealed class OrchestrationContextImpl : TaskOrchestrationContext
{
    // durabletask-dotnet's namespace for deterministic GUIDs (UUID v5 over "{instanceId}_{time:o}_{counter}").
    private static readonly Guid GuidNamespace = new("9e952958-5e33-4daf-827f-2fa12937b875");

    private readonly TimeSpan _maximumTimerInterval;
    private readonly ILoggerFactory _loggerFactory;
    private readonly Dictionary<int, TaskCompletionSource<HistoryEvent>> _open = new();
    private readonly Dictionary<string, LinkedList<TaskCompletionSource<string?>>> _waiters = new(StringComparer.OrdinalIgnoreCase);
    private int _nextId;
    private int _guidCounter;

    public OrchestrationContextImpl(string instanceId, TimeSpan maximumTimerInterval, ILoggerFactory? loggerFactory)
    {
        InstanceIdValue = instanceId;
        _maximumTimerInterval = maximumTimerInterval;
        _loggerFactory = loggerFactory ?? NullLoggerFactory.Instance;
    }

    public string InstanceIdValue { get; }
    public string NameValue { get; set; } = "";
    public ParentOrchestrationInstance? ParentValue { get; set; }
    public string? SerializedInput { get; set; }
    public DateTime Now { get; set; }
    public bool Replaying { get; set; }

    /// <summary>Actions scheduled by the code and not yet matched with history, by sequence id.</summary>
    public SortedDictionary<int, HistoryEvent> Pending { get; } = new();

    /// <summary>External events received before anyone waited for them, in arrival order.</summary>
    public List<HistoryEvent> Buffered { get; } = new();

    public string? CustomStatus { get; private set; }
    public bool ContinueAsNewRequested { get; private set; }
    public string? ContinueAsNewInput { get; private set; }
    public bool PreserveUnprocessedEvents { get; private set; }

    public override TaskName Name => NameValue;
    public override string InstanceId => InstanceIdValue;
    public override ParentOrchestrationInstance? Parent => ParentValue;
    public override DateTime CurrentUtcDateTime => Now;
    public override bool IsReplaying => Replaying;

    public override T? GetInput<T>() where T : default => DataConverter.Deserialize<T>(SerializedInput);

    public override Task<TResult> CallActivityAsync<TResult>(TaskName name, object? input = null, TaskOptions? options = null)
    {
        string? serialized = DataConverter.Serialize(input);
        return options?.Retry?.Policy is { } policy
            ? RetryAsync(() => CallActivityOnceAsync<TResult>(name, serialized), policy)
            : CallActivityOnceAsync<TResult>(name, serialized);
    }

    private async Task<TResult> CallActivityOnceAsync<TResult>(TaskName name, string? input)
    {
        var e = await Schedule(new HistoryEvent { EventType = EventType.TaskScheduled, Name = name.Name, Input = input });
        if (e.EventType == EventType.TaskFailed) throw new TaskFailedException(name.Name, e.TaskScheduledId, e.FailureDetails!);
        return DataConverter.Deserialize<TResult>(e.Result)!;
    }

    public override Task<TResult> CallSubOrchestratorAsync<TResult>(TaskName orchestratorName, object? input = null, TaskOptions? options = null)
    {
        string? serialized = DataConverter.Serialize(input);
        string? chosenId = (options as SubOrchestrationOptions)?.InstanceId;
        return options?.Retry?.Policy is { } policy
            ? RetryAsync(() => CallSubOrchestratorOnceAsync<TResult>(orchestratorName, serialized, chosenId), policy)
            : CallSubOrchestratorOnceAsync<TResult>(orchestratorName, serialized, chosenId);
    }

    private async Task<TResult> CallSubOrchestratorOnceAsync<TResult>(TaskName name, string? input, string? chosenId)
    {
        string childId = chosenId ?? NewGuid().ToString("N");
        var e = await Schedule(new HistoryEvent { EventType = EventType.SubOrchestrationInstanceCreated, Name = name.Name, Input = input, InstanceId = childId });
        if (e.EventType == EventType.SubOrchestrationInstanceFailed) throw new TaskFailedException(name.Name, e.TaskScheduledId, e.FailureDetails!);
        return DataConverter.Deserialize<TResult>(e.Result)!;
    }

    // Retries run inside the orchestration with durable timers between attempts, as the official RetryPolicy does.
    private async Task<TResult> RetryAsync<TResult>(Func<Task<TResult>> call, RetryPolicy policy)
    {
        DateTime firstAttempt = Now;
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                return await call();
            }
            catch (TaskFailedException ex)
            {
                if (attempt >= policy.MaxNumberOfAttempts) throw;
                if (policy.HandleFailure is { } handle && !handle(ex.FailureDetails)) throw;
                TimeSpan delay = policy.GetDelay(attempt);
                if (policy.RetryTimeout != Timeout.InfiniteTimeSpan && Now + delay > firstAttempt + policy.RetryTimeout) throw;
                await CreateTimer(Now + delay, CancellationToken.None);
            }
        }
    }

    public override async Task CreateTimer(DateTime fireAt, CancellationToken cancellationToken)
    {
        if (fireAt.Kind == DateTimeKind.Local) fireAt = fireAt.ToUniversalTime();
        fireAt = DateTime.SpecifyKind(fireAt, DateTimeKind.Utc);
        // Long timers are chained below the maximum interval (queue visibility is limited to 7 days).
        while (fireAt - Now > _maximumTimerInterval)
            await CreateTimerCore(Now + _maximumTimerInterval, cancellationToken);
        await CreateTimerCore(fireAt, cancellationToken);
    }

    private Task CreateTimerCore(DateTime fireAt, CancellationToken cancellationToken)
    {
        Task timer = Schedule(new HistoryEvent { EventType = EventType.TimerCreated, FireAt = fireAt });
        if (!cancellationToken.CanBeCanceled) return timer;
        var tcs = new TaskCompletionSource();
        cancellationToken.Register(() => tcs.TrySetCanceled(cancellationToken));
        timer.ContinueWith(_ => tcs.TrySetResult(), TaskContinuationOptions.ExecuteSynchronously);
        return tcs.Task;
    }

    public override Task<T> WaitForExternalEvent<T>(string eventName, CancellationToken cancellationToken = default)
    {
        int buffered = Buffered.FindIndex(e => string.Equals(e.Name, eventName, StringComparison.OrdinalIgnoreCase));
        if (buffered >= 0)
        {
            var e = Buffered[buffered];
            Buffered.RemoveAt(buffered);
            return Task.FromResult(DataConverter.Deserialize<T>(e.Input)!);
        }
        var tcs = new TaskCompletionSource<string?>();
        if (!_waiters.TryGetValue(eventName, out var list)) _waiters[eventName] = list = new();
        var node = list.AddLast(tcs);
        if (cancellationToken.CanBeCanceled)
            cancellationToken.Register(() => { if (tcs.TrySetCanceled(cancellationToken)) list.Remove(node); });
        return Convert<T>(tcs.Task);
    }

    private static async Task<T> Convert<T>(Task<string?> raw) => DataConverter.Deserialize<T>(await raw)!;

    public override async Task<T> WaitForExternalEvent<T>(string eventName, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        Task timer = CreateTimer(Now + timeout, cts.Token);
        Task<T> received = WaitForExternalEvent<T>(eventName, cts.Token);
        Task winner = await Task.WhenAny(received, timer);
        cts.Cancel();
        if (winner == received) return await received;
        throw new TaskCanceledException($"Timeout of {timeout} expired while waiting for the event '{eventName}'.");
    }

    public override void SendEvent(string instanceId, string eventName, object payload)
    {
        int id = _nextId++;
        Pending[id] = new HistoryEvent { EventType = EventType.EventSent, EventId = id, Timestamp = Now, InstanceId = instanceId, Name = eventName, Input = DataConverter.Serialize(payload) };
    }

    public override void SetCustomStatus(object? customStatus) => CustomStatus = DataConverter.Serialize(customStatus);

    public override void ContinueAsNew(object? newInput = null, bool preserveUnprocessedEvents = true)
    {
        ContinueAsNewRequested = true;
        ContinueAsNewInput = DataConverter.Serialize(newInput);
        PreserveUnprocessedEvents = preserveUnprocessedEvents;
    }

    public override Guid NewGuid()
    {
        string name = $"{InstanceIdValue}_{Now:o}_{_guidCounter++}";
        Span<byte> ns = stackalloc byte[16];
        GuidNamespace.TryWriteBytes(ns, bigEndian: true, out _);
        byte[] data = [.. ns, .. Encoding.UTF8.GetBytes(name)];
        byte[] hash = SHA1.HashData(data);
        hash[6] = (byte)((hash[6] & 0x0F) | 0x50);
        hash[8] = (byte)((hash[8] & 0x3F) | 0x80);
        return new Guid(hash.AsSpan(0, 16), bigEndian: true);
    }

    public override ILogger CreateReplaySafeLogger(string categoryName) => new ReplaySafeLogger(this, _loggerFactory.CreateLogger(categoryName));

    // Completion sources run their continuations inline: continuations must stay on the replay thread (no thread-pool hops),
    // which RunContinuationsAsynchronously would break for ContinueWith, WhenAll and WhenAny.
    private Task<HistoryEvent> Schedule(HistoryEvent action)
    {
        action.EventId = _nextId++;
        action.Timestamp = Now;
        Pending[action.EventId] = action;
        var tcs = new TaskCompletionSource<HistoryEvent>();
        _open[action.EventId] = tcs;
        return tcs.Task;
    }

    /// <summary>Resolves the task an action started; completions for unknown or finished tasks are ignored.</summary>
    public void Complete(HistoryEvent completion)
    {
        if (_open.Remove(completion.TaskScheduledId, out var tcs)) tcs.TrySetResult(completion);
    }

    public void DeliverEvent(HistoryEvent e)
    {
        if (e.Name is not null && _waiters.TryGetValue(e.Name, out var list) && list.First is { } first)
        {
            list.RemoveFirst();
            first.Value.TrySetResult(e.Input);
        }
        else
        {
            Buffered.Add(e);
        }
    }

    private sealed class ReplaySafeLogger(OrchestrationContextImpl context, ILogger inner) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => inner.BeginScope(state);

        public bool IsEnabled(LogLevel logLevel) => !context.IsReplaying && inner.IsEnabled(logLevel);

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!context.IsReplaying) inner.Log(logLevel, eventId, state, exception, formatter);
        }
    }
}
