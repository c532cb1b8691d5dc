namespace Fleet.Core.Platform.Timers;

/// <summary>
/// A timer function: a name, a six-field NCrontab schedule (seconds first, the Azure Functions
/// syntax) and the work of one tick. Configuration <c>Timers:&lt;Name&gt;:*</c> overrides the defaults.
/// </summary>
public interface ITimerFunction
{
    /// <summary>Unique name: the lease blob, the status row and the configuration section.</summary>
    string Name { get; }

    /// <summary>Default schedule, e.g. <c>0 */5 * * * *</c>; <c>Timers:&lt;Name&gt;:Schedule</c> overrides it.</summary>
    string Schedule { get; }

    /// <summary>Also run once when the host starts (development); <c>Timers:&lt;Name&gt;:RunOnStartup</c> overrides it.</summary>
    bool RunOnStartup => false;

    Task RunAsync(TimerInfo info, CancellationToken ct);
}
