namespace Fleet.Durable.Runtime;

/// <summary>What one orchestration episode decided.</summary>
internal sealed class ExecutionResult
{
    /// <summary>New scheduling actions (TaskScheduled, TimerCreated, SubOrchestrationInstanceCreated, EventSent) in order.</summary>
    public List<HistoryEvent> Actions { get; } = new();

    /// <summary>Completed, Failed or ContinuedAsNew when the orchestrator finished; null while it waits.</summary>
    public Client.OrchestrationRuntimeStatus? FinalStatus { get; set; }
    public string? Output { get; set; }
    public TaskFailureDetails? Failure { get; set; }
    public string? CustomStatus { get; set; }
    public string? ContinueAsNewInput { get; set; }

    /// <summary>Events received but not consumed, carried into the next execution on ContinueAsNew.</summary>
    public List<HistoryEvent> CarryOverEvents { get; } = new();
}
