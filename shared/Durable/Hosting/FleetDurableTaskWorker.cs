using DurableTask.Core;
using DurableTask.Core.Middleware;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Worker;
using Microsoft.DurableTask.Worker.Hosting;
using Microsoft.DurableTask.Worker.Shims;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Fleet.Durable.Hosting;

/// <summary>Microsoft.DurableTask's worker on DurableTask.Core: a <see cref="DurableTaskWorker"/> build target that runs every
/// orchestration and activity registered with <c>AddDurableTaskWorker(b => b.AddTasks(...))</c> in a <see cref="TaskHubWorker"/>
/// over the task hub's provider, through Microsoft.DurableTask.Worker's public shims.</summary>
public sealed class FleetDurableTaskWorker : DurableTaskWorker
{
    private readonly DurableTaskHub _hub;
    private readonly IServiceProvider _services;
    private readonly DurableTaskWorkerOptions _workerOptions;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger _log;

    /// <summary>Created by Microsoft.DurableTask.Worker's builder with the registry's factory.</summary>
    /// <param name="name">The worker's name.</param>
    /// <param name="factory">Creates registered orchestrators and activities by name.</param>
    /// <param name="hub">The task hub and its provider.</param>
    /// <param name="services">The application's services.</param>
    /// <param name="workerOptions">The worker options (data converter, maximum timer interval).</param>
    /// <param name="loggerFactory">Logging.</param>
    public FleetDurableTaskWorker(string? name, IDurableTaskFactory factory, DurableTaskHub hub, IServiceProvider services,
        IOptionsMonitor<DurableTaskWorkerOptions> workerOptions, ILoggerFactory loggerFactory)
        : base(name, factory)
    {
        _hub = hub;
        _services = services;
        _workerOptions = workerOptions.Get(name ?? Microsoft.Extensions.Options.Options.DefaultName);
        _loggerFactory = loggerFactory;
        _log = loggerFactory.CreateLogger("Fleet.Durable.Worker");
    }

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await _hub.Service.CreateIfNotExistsAsync();
                break;
            }
            catch (Exception ex)
            {
                _log.LogError(ex, "Task hub {Hub} could not be created; retrying.", _hub.Options.HubName);
                await Task.Delay(TimeSpan.FromSeconds(2), stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
            }
        }
        if (stoppingToken.IsCancellationRequested) return;
        var shims = new DurableTaskShimFactory(_workerOptions, _loggerFactory);
        var worker = new TaskHubWorker(_hub.Service, new OrchestratorObjects(Factory, _services, shims),
            new ActivityObjects(Factory, _services, shims), _loggerFactory)
        {
            // The default turns the first failed activity into a NullReferenceException in the orchestration.
            ErrorPropagationMode = ErrorPropagationMode.UseFailureDetails,
        };
        worker.AddOrchestrationDispatcherMiddleware(SetParentAsync);
        await worker.StartAsync();
        _log.LogInformation("Durable worker started on hub {Hub} ({Provider}).", _hub.Options.HubName, _hub.Options.Provider);
        try
        {
            await Task.Delay(Timeout.Infinite, stoppingToken);
        }
        catch (OperationCanceledException)
        {
        }
        // Let running episodes finish their checkpoint; what does not finish comes back after the visibility timeout.
        var stop = worker.StopAsync(isForced: false);
        if (await Task.WhenAny(stop, Task.Delay(TimeSpan.FromSeconds(10))) != stop)
        {
            _log.LogWarning("Durable worker did not stop within 10 s; forcing.");
            await worker.StopAsync(isForced: true);
        }
    }

    private static Task SetParentAsync(DispatchMiddlewareContext context, Func<Task> next)
    {
        if (context.GetProperty<TaskOrchestration>() is RegisteredOrchestration orchestration
            && context.GetProperty<OrchestrationRuntimeState>()?.ParentInstance is { } parent)
            orchestration.Parent = new ParentOrchestrationInstance(new TaskName(parent.Name), parent.OrchestrationInstance.InstanceId);
        return next();
    }
}
