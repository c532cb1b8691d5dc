namespace Fleet.Core.Platform.Timers;

/// <summary>What a timer run is told, as Azure Functions' TimerInfo, plus the tick it stands for.</summary>
public sealed class TimerInfo
{
    public required string TimerName { get; init; }

    /// <summary>The schedule occurrence this run stands for (UTC); on a startup run, the start time.</summary>
    public required DateTimeOffset ScheduledTime { get; init; }

    /// <summary>True when the run is late: a tick missed while no host was running, one passed while the previous run overran, or a takeover from a host that died.</summary>
    public bool IsPastDue { get; init; }

    /// <summary>True for the extra run made because of RunOnStartup; it claims no tick.</summary>
    public bool IsStartupRun { get; init; }

    public required ScheduleStatus ScheduleStatus { get; init; }
}

/// <summary>The stored schedule state: the last claimed tick, the next one, and when the row was written.</summary>
public sealed record ScheduleStatus(DateTimeOffset? Last, DateTimeOffset Next, DateTimeOffset LastUpdated);
