using Fleet.Core.Platform.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Fleet.Core.Platform.Mesh;

/// <summary>
/// Background work that runs on one host of the fleet at a time: the host holding the blob lease
/// <c>singleton-leases/&lt;fleet&gt;/&lt;name&gt;</c> runs <see cref="RunAsync"/>; the others try to take the lease every few
/// seconds, so the work moves to another host within one lease period (15 s) when its host dies, and at once when it
/// stops (the lease is released). The work is cancelled if this host loses the lease.
/// </summary>
public abstract class SingletonService(IServiceProvider services, string name) : BackgroundService
{
    private static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(3);

    public string Name { get; } = name;

    /// <summary>True while this host runs the work.</summary>
    public bool IsRunning { get; private set; }

    /// <summary>False when this host is set not to take part: it then never competes for the lease.</summary>
    protected virtual bool Enabled => true;

    /// <summary>The work; runs until <paramref name="ct"/> is cancelled (host stopping or lease lost).</summary>
    protected abstract Task RunAsync(CancellationToken ct);

    protected sealed override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!Enabled) return;
        var storage = services.GetRequiredService<FleetStorage>();
        var topics = services.GetRequiredService<MeshTopics>();
        var book = services.GetRequiredService<LeaseBook>();
        var log = services.GetRequiredService<ILoggerFactory>().CreateLogger(GetType());
        var lease = new HostLease(storage, "singleton-leases", $"{topics.FleetName}/{Name}");
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                // Work that ended by itself (a failure) starts again after the delay, on whichever host holds the lease then.
                if (await lease.TryHoldAsync(stoppingToken)) await RunWhileHeldAsync(lease, book, log, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested) { break; }
            catch (Exception e) { log.LogWarning("Singleton {Name}: lease check failed: {Message}", Name, e.Message); }
            await Task.Delay(RetryDelay, stoppingToken).ContinueWith(_ => { });
        }
        using var release = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        await lease.ReleaseAsync(release.Token);
    }

    private async Task RunWhileHeldAsync(HostLease lease, LeaseBook book, ILogger log, CancellationToken stoppingToken)
    {
        using var held = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        IsRunning = true;
        book.Set(Name, true);
        log.LogInformation("Singleton {Name}: running on this host", Name);
        var work = Task.Run(() => RunAsync(held.Token), CancellationToken.None);
        try
        {
            while (!stoppingToken.IsCancellationRequested && !work.IsCompleted)
            {
                await Task.WhenAny(work, Task.Delay(HostLease.Duration / 3, stoppingToken));
                if (work.IsCompleted || stoppingToken.IsCancellationRequested) break;
                bool kept;
                try { kept = await lease.TryHoldAsync(stoppingToken); }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    // Storage away: keep going while the lease we hold has not run out.
                    log.LogWarning("Singleton {Name}: renewal failed: {Message}", Name, e.Message);
                    kept = lease.IsHeld;
                }
                if (!kept)
                {
                    log.LogWarning("Singleton {Name}: lease lost; stopping here", Name);
                    break;
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested) { }
        finally
        {
            await held.CancelAsync();
            try { await work; }
            catch (OperationCanceledException) { }
            catch (Exception e) { log.LogError(e, "Singleton {Name} failed", Name); }
            IsRunning = false;
            book.Set(Name, false);
        }
    }
}
