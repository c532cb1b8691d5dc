using DurableTask.Core;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Worker;
using Microsoft.DurableTask.Worker.Shims;
using Microsoft.Extensions.DependencyInjection;

namespace Fleet.Durable.Hosting;

/// <summary>Gives DurableTask.Core the orchestrators registered with Microsoft.DurableTask.Worker's registry, by name, on demand.</summary>
internal sealed class OrchestratorObjects(IDurableTaskFactory factory, IServiceProvider services, DurableTaskShimFactory shims)
    : INameVersionObjectManager<TaskOrchestration>
{
    public void Add(ObjectCreator<TaskOrchestration> creator)
        => throw new InvalidOperationException("Orchestrators are registered with AddDurableTaskWorker(b => b.AddTasks(...)).");

    public TaskOrchestration GetObject(string name, string? version) => new RegisteredOrchestration(name, factory, services, shims);
}

/// <summary>Gives DurableTask.Core the activities registered with Microsoft.DurableTask.Worker's registry, by name, on demand.</summary>
internal sealed class ActivityObjects(IDurableTaskFactory factory, IServiceProvider services, DurableTaskShimFactory shims)
    : INameVersionObjectManager<TaskActivity>
{
    public void Add(ObjectCreator<TaskActivity> creator)
        => throw new InvalidOperationException("Activities are registered with AddDurableTaskWorker(b => b.AddTasks(...)).");

    public TaskActivity GetObject(string name, string? version) => new RegisteredActivity(name, factory, services, shims);
}

/// <summary>One episode's orchestrator: the registered <see cref="ITaskOrchestrator"/> behind Microsoft.DurableTask's shim, created
/// when the episode runs so that it knows its parent (set by the dispatcher middleware from the runtime state). An unknown name
/// fails the instance with a message saying so, as Durable Functions does.</summary>
internal sealed class RegisteredOrchestration(string name, IDurableTaskFactory factory, IServiceProvider services, DurableTaskShimFactory shims)
    : TaskOrchestration
{
    private TaskOrchestration? _inner;

    /// <summary>The parent instance of a sub-orchestration, so that <c>context.Parent</c> is set.</summary>
    public ParentOrchestrationInstance? Parent { get; set; }

    private TaskOrchestration Inner => _inner ??= factory.TryCreateOrchestrator(new TaskName(name), services, out var orchestrator) && orchestrator is not null
        ? shims.CreateOrchestration(new TaskName(name), orchestrator, Parent)
        : throw new InvalidOperationException($"No orchestrator named '{name}' is registered.");

    // A missing orchestrator is the instance's failure (a faulted task), not an error of the dispatcher, which would retry it.
    public override Task<string> Execute(OrchestrationContext context, string input)
    {
        try
        {
            return Inner.Execute(context, input);
        }
        catch (InvalidOperationException ex) when (_inner is null)
        {
            return Task.FromException<string>(ex);
        }
    }

    // The shim reports the JSON literal "null" when no custom status was set; the instance has none.
    public override string? GetStatus() => _inner?.GetStatus() is { } status && status != "null" ? status : null;

    public override void RaiseEvent(OrchestrationContext context, string name, string input) => Inner.RaiseEvent(context, name, input);
}

/// <summary>One activity run: the registered <see cref="ITaskActivity"/> from a service scope of its own, behind the shim.</summary>
internal sealed class RegisteredActivity(string name, IDurableTaskFactory factory, IServiceProvider services, DurableTaskShimFactory shims)
    : TaskActivity
{
    public override string Run(TaskContext context, string input) => RunAsync(context, input).GetAwaiter().GetResult();

    public override async Task<string> RunAsync(TaskContext context, string input)
    {
        await using var scope = services.CreateAsyncScope();
        if (!factory.TryCreateActivity(new TaskName(name), scope.ServiceProvider, out var activity) || activity is null)
            throw new InvalidOperationException($"No activity named '{name}' is registered.");
        return await shims.CreateActivity(new TaskName(name), activity).RunAsync(context, input);
    }
}
