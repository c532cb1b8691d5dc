using Fleet.Core.Platform.Timers;
using Fleet.Functions.Platform.Auth;

namespace Fleet.Functions.Timers;

/// <summary><c>GET /api/timers</c> (admin): every registered timer with its effective schedule and its stored status.</summary>
public static class TimerFunctions
{
    public static void MapTimerFunctions(this IEndpointRouteBuilder api)
    {
        api.MapGet("/timers", ListTimers).RequireRole(FleetRole.Admin).WithTags("platform").WithName("ListTimers")
            .WithSummary("Timers: schedule, disabled flag, last and next run, last duration and error");
    }

    public sealed record TimerView(string Name, string Schedule, bool Disabled, bool RunOnStartup,
        DateTimeOffset? LastRun, DateTimeOffset? NextRun, DateTimeOffset? LastUpdated, DateTimeOffset? LastStarted,
        long? LastDurationMs, bool? LastSucceeded, string? LastError, DateTimeOffset? LastErrorAt, string? LastHost, long Runs, long Failures);

    public sealed record TimerList(IReadOnlyList<TimerView> Timers);

    private static async Task<TimerList> ListTimers(TimerCatalog catalog, TimerStatusStore store, CancellationToken ct)
    {
        var rows = await Task.WhenAll(catalog.Timers.Select(t => store.GetAsync(t.Name, ct)));
        return new TimerList(catalog.Timers.Zip(rows, (t, r) => new TimerView(t.Name, t.Schedule, t.Disabled, t.RunOnStartup,
            r?.Last, t.Disabled ? null : r?.Next, r?.LastUpdated, r?.LastStarted, r?.LastDurationMs, r?.LastSucceeded,
            r?.LastError, r?.LastErrorAt, r?.LastHost, r?.Runs ?? 0, r?.Failures ?? 0)).ToList());
    }
}
