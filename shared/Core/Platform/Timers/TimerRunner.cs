using System.Diagnostics;
using Fleet.Core.Platform.Mesh;
using Fleet.Core.Platform.Storage;
using Microsoft.Extensions.Logging;

namespace Fleet.Core.Platform.Timers;

/// <summary>
/// Runs one timer in this host: waits for the next tick, takes the lease, claims the tick in the status
/// row, runs it and records the result. Missed ticks collapse into one past-due run.
/// </summary>
internal sealed class TimerRunner(TimerDefinition timer, FleetStorage storage, TimerStatusStore store, TimeProvider clock, HostIdentity host,
    LeaseBook book, ILogger log)
{
    /// <summary>A run of an awaited tick that starts later than this after it is past due (a lease takeover after a crash).</summary>
    public static readonly TimeSpan PastDueTolerance = TimeSpan.FromSeconds(5);

    /// <summary>How soon a host that lost the lease race looks again.</summary>
    private static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(1);

    /// <summary>Longest single sleep: Task.Delay cannot wait a yearly schedule out, and waking hourly costs one read.</summary>
    private static readonly TimeSpan MaxSleep = TimeSpan.FromHours(1);

    private readonly HostLease _lease = new(storage, "timer-leases", timer.Name);

    /// <summary>The tick this host last slept until; a due tick it did not wait for was missed (downtime or an overrun).</summary>
    private DateTimeOffset? _awaited;

    public async Task RunAsync(CancellationToken ct)
    {
        var renewal = RenewLeaseAsync(ct);
        try
        {
            // Decide the holder before the first tick, so that tick does not pay for creating the lease blob.
            await TryTakeLeaseAtStartAsync(ct);
            if (timer.RunOnStartup) await RunOnStartupAsync(ct);
            while (!ct.IsCancellationRequested)
            {
                try
                {
                    await StepAsync(ct);
                }
                catch (OperationCanceledException) when (ct.IsCancellationRequested)
                {
                }
                catch (Exception e)
                {
                    // Storage unreachable or similar: the schedule lives in the table, so trying again later loses nothing.
                    log.LogError(e, "Timer {Timer}: scheduling failed; retrying in 5 s", timer.Name);
                    await Delay(TimeSpan.FromSeconds(5), ct);
                }
            }
        }
        finally
        {
            await renewal;
            using var release = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await _lease.ReleaseAsync(release.Token);
        }
    }

    /// <summary>One pass: wait for the due tick, or claim and run it.</summary>
    private async Task StepAsync(CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var row = await store.GetOrCreateAsync(timer.Name, timer.NextAfter(now), now, ct);
        // Ticks after the last claimed one (or from the first planned one) up to now; the latest of them is due.
        var after = row.Last ?? (row.Next ?? now).AddTicks(-1);
        var due = timer.LatestBetween(after, now) ?? timer.NextAfter(after);
        if (due > now)
        {
            // Re-read after waking: another host may have claimed the tick meanwhile.
            _awaited = due;
            await Delay(due - now < MaxSleep ? due - now : MaxSleep, ct);
            return;
        }
        // The renewal loop keeps a held lease fresh, so a holder spends no request here.
        if (!_lease.IsHeld && !await _lease.TryHoldAsync(ct))
        {
            await Delay(RetryDelay, ct);
            return;
        }
        now = clock.GetUtcNow();
        var previous = row.Last;
        var next = timer.NextAfter(now);
        if (!await store.TryClaimAsync(row, due, next, now, ct)) return;
        var info = new TimerInfo
        {
            TimerName = timer.Name,
            ScheduledTime = due,
            IsPastDue = due != _awaited || now - due > PastDueTolerance,
            ScheduleStatus = new ScheduleStatus(previous, next, now),
        };
        if (info.IsPastDue) log.LogWarning("Timer {Timer}: running tick {Tick:o} late (past due)", timer.Name, due);
        await InvokeAsync(info, ct);
    }

    private async Task TryTakeLeaseAtStartAsync(CancellationToken ct)
    {
        try { await _lease.TryHoldAsync(ct); }
        catch (OperationCanceledException) when (ct.IsCancellationRequested) { }
        catch (Exception e) { log.LogWarning(e, "Timer {Timer}: could not take the lease at start; trying again at the first tick", timer.Name); }
    }

    private async Task RunOnStartupAsync(CancellationToken ct)
    {
        try
        {
            if (!await _lease.TryHoldAsync(ct)) return;
            var now = clock.GetUtcNow();
            var row = await store.GetAsync(timer.Name, ct);
            await InvokeAsync(new TimerInfo
            {
                TimerName = timer.Name,
                ScheduledTime = now,
                IsStartupRun = true,
                ScheduleStatus = new ScheduleStatus(row?.Last, timer.NextAfter(now), now),
            }, ct);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
        catch (Exception e)
        {
            // The scheduled runs must not depend on the optional startup run.
            log.LogError(e, "Timer {Timer}: the startup run could not be made", timer.Name);
        }
    }

    private async Task InvokeAsync(TimerInfo info, CancellationToken ct)
    {
        var watch = Stopwatch.StartNew();
        string? error = null;
        try
        {
            await timer.Function.RunAsync(info, ct);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            error = "canceled: the host stopped during the run";
        }
        catch (Exception e)
        {
            error = $"{e.GetType().Name}: {e.Message}";
            log.LogError(e, "Timer {Timer}: run for tick {Tick:o} failed; the next run stays scheduled", timer.Name, info.ScheduledTime);
        }
        watch.Stop();
        TimerMetrics.Observe(timer.Name, watch.Elapsed, error is not null);
        // Recorded even when stopping, so the status shows the interrupted run.
        using var record = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await store.RecordAsync(timer.Name, clock.GetUtcNow(), watch.Elapsed, error, host.HostId, record.Token);
    }

    /// <summary>Keeps a held lease alive through long runs and idle waits.</summary>
    private async Task RenewLeaseAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            await Delay(HostLease.Duration / 3, ct);
            book.Set("timer/" + timer.Name, _lease.IsHeld);
            if (!_lease.IsHeld) continue;
            try { await _lease.TryHoldAsync(ct); }
            catch (OperationCanceledException) when (ct.IsCancellationRequested) { }
            catch (Exception e) { log.LogWarning(e, "Timer {Timer}: lease renewal failed", timer.Name); }
        }
    }

    private async Task Delay(TimeSpan delay, CancellationToken ct)
    {
        try { await Task.Delay(delay, clock, ct); }
        catch (OperationCanceledException) when (ct.IsCancellationRequested) { }
    }
}
