using Fleet.Core.Platform.Mesh;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Fleet.Core.Homei;

/// <summary>
/// Runs <see cref="HomeiServiceManager.ReconcileAsync"/> every
/// <c>orchestrator.monitoring.health_check_interval</c> seconds; the interval is read before each
/// wait, so a configuration change applies from the next pass. Passes are counted so tests can await one.
/// One host of the fleet runs it (a <see cref="SingletonService"/>).
/// </summary>
public sealed class ReconciliationService(HomeiServiceManager services, HomeiConfigStore config, ILogger<ReconciliationService> logger,
    IOptions<HomeiOptions> options, IServiceProvider provider) : SingletonService(provider, "homei-reconciliation")
{
    protected override bool Enabled => options.Value.Reconcile;

    private TaskCompletionSource _pass = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes when the next full pass (started after this call) has finished.</summary>
    public Task NextPassAsync()
    {
        var current = Volatile.Read(ref _pass).Task;
        // A pass in progress may have read state from before the call: wait for the one after it.
        return current.ContinueWith(_ => Volatile.Read(ref _pass).Task, TaskScheduler.Default).Unwrap();
    }

    /// <summary>Waits the interval from now; a configuration change re-reads it, still counted from the same start.</summary>
    private async Task WaitAsync(TimeSpan interval, CancellationToken stoppingToken)
    {
        var start = DateTimeOffset.UtcNow;
        while (true)
        {
            var remaining = start + interval - DateTimeOffset.UtcNow;
            if (remaining <= TimeSpan.Zero) return;
            var changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            void OnChanged() => changed.TrySetResult();
            config.Changed += OnChanged;
            try
            {
                var delay = Task.Delay(remaining, stoppingToken);
                if (await Task.WhenAny(delay, changed.Task) == delay)
                {
                    await delay;
                    return;
                }
            }
            finally
            {
                config.Changed -= OnChanged;
            }
            interval = TimeSpan.FromSeconds(await config.HealthCheckIntervalAsync(stoppingToken));
        }
    }

    protected override async Task RunAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            var interval = HomeiConfigStore.DefaultHealthCheckInterval;
            try
            {
                interval = await config.HealthCheckIntervalAsync(stoppingToken);
                await WaitAsync(TimeSpan.FromSeconds(interval), stoppingToken);
                var actions = await services.ReconcileAsync(stoppingToken);
                foreach (var a in actions)
                    logger.LogInformation("Reconciled service {Service}: {Action} container {Container}", a.Service, a.Action, a.ContainerId);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                logger.LogWarning(e, "Reconcile pass failed; next in {Interval}s", interval);
                await Task.Delay(TimeSpan.FromSeconds(Math.Min(interval, 5)), stoppingToken).ContinueWith(_ => { });
            }
            Interlocked.Exchange(ref _pass, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
        }
    }
}
