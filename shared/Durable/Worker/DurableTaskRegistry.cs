using System.Reflection;
using Microsoft.Extensions.DependencyInjection;

namespace Fleet.Durable.Worker;

/// <summary>The orchestrators and activities a worker can run, by name (Microsoft.DurableTask.Worker's DurableTaskRegistry).</summary>
public sealed class DurableTaskRegistry
{
    internal Dictionary<string, Func<IServiceProvider, ITaskOrchestrator>> Orchestrators { get; } = new(StringComparer.OrdinalIgnoreCase);

    internal Dictionary<string, Func<IServiceProvider, ITaskActivity>> Activities { get; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Registers an orchestrator class under its <see cref="DurableTaskAttribute"/> name or class name.</summary>
    /// <typeparam name="TOrchestrator">The orchestrator class, created per episode with constructor injection.</typeparam>
    public DurableTaskRegistry AddOrchestrator<TOrchestrator>() where TOrchestrator : class, ITaskOrchestrator
        => AddOrchestrator(typeof(TOrchestrator));

    /// <summary>Registers an orchestrator class under <paramref name="name"/>.</summary>
    /// <typeparam name="TOrchestrator">The orchestrator class.</typeparam>
    /// <param name="name">The name.</param>
    public DurableTaskRegistry AddOrchestrator<TOrchestrator>(TaskName name) where TOrchestrator : class, ITaskOrchestrator
        => AddOrchestrator(name, sp => ActivatorUtilities.CreateInstance<TOrchestrator>(sp));

    /// <summary>Registers an orchestrator class given as a type.</summary>
    /// <param name="type">A type implementing <see cref="ITaskOrchestrator"/>.</param>
    public DurableTaskRegistry AddOrchestrator(Type type)
    {
        if (!typeof(ITaskOrchestrator).IsAssignableFrom(type)) throw new ArgumentException($"{type} is not an orchestrator.", nameof(type));
        return AddOrchestrator(NameOf(type), sp => (ITaskOrchestrator)ActivatorUtilities.CreateInstance(sp, type));
    }

    /// <summary>Registers an orchestrator factory under <paramref name="name"/>.</summary>
    /// <param name="name">The name.</param>
    /// <param name="factory">Creates the orchestrator.</param>
    public DurableTaskRegistry AddOrchestrator(TaskName name, Func<IServiceProvider, ITaskOrchestrator> factory)
    {
        if (!Orchestrators.TryAdd(Check(name), factory)) throw new ArgumentException($"An orchestrator named '{name}' is already registered.", nameof(name));
        return this;
    }

    /// <summary>Registers an orchestrator function.</summary>
    /// <typeparam name="TInput">The input type.</typeparam>
    /// <typeparam name="TOutput">The output type.</typeparam>
    /// <param name="name">The name.</param>
    /// <param name="orchestrator">The function.</param>
    public DurableTaskRegistry AddOrchestratorFunc<TInput, TOutput>(TaskName name, Func<TaskOrchestrationContext, TInput, Task<TOutput>> orchestrator)
        => AddOrchestrator(name, _ => new FuncOrchestrator<TInput, TOutput>(orchestrator));

    /// <summary>Registers an orchestrator function without input.</summary>
    /// <typeparam name="TOutput">The output type.</typeparam>
    /// <param name="name">The name.</param>
    /// <param name="orchestrator">The function.</param>
    public DurableTaskRegistry AddOrchestratorFunc<TOutput>(TaskName name, Func<TaskOrchestrationContext, Task<TOutput>> orchestrator)
        => AddOrchestratorFunc<object?, TOutput>(name, (c, _) => orchestrator(c));

    /// <summary>Registers an orchestrator function without output.</summary>
    /// <param name="name">The name.</param>
    /// <param name="orchestrator">The function.</param>
    public DurableTaskRegistry AddOrchestratorFunc(TaskName name, Func<TaskOrchestrationContext, Task> orchestrator)
        => AddOrchestratorFunc<object?, object?>(name, async (c, _) => { await orchestrator(c); return null; });

    /// <summary>Registers an activity class under its <see cref="DurableTaskAttribute"/> name or class name.</summary>
    /// <typeparam name="TActivity">The activity class, created per call with constructor injection from a scope.</typeparam>
    public DurableTaskRegistry AddActivity<TActivity>() where TActivity : class, ITaskActivity => AddActivity(typeof(TActivity));

    /// <summary>Registers an activity class under <paramref name="name"/>.</summary>
    /// <typeparam name="TActivity">The activity class.</typeparam>
    /// <param name="name">The name.</param>
    public DurableTaskRegistry AddActivity<TActivity>(TaskName name) where TActivity : class, ITaskActivity
        => AddActivity(name, sp => ActivatorUtilities.CreateInstance<TActivity>(sp));

    /// <summary>Registers an activity class given as a type.</summary>
    /// <param name="type">A type implementing <see cref="ITaskActivity"/>.</param>
    public DurableTaskRegistry AddActivity(Type type)
    {
        if (!typeof(ITaskActivity).IsAssignableFrom(type)) throw new ArgumentException($"{type} is not an activity.", nameof(type));
        return AddActivity(NameOf(type), sp => (ITaskActivity)ActivatorUtilities.CreateInstance(sp, type));
    }

    /// <summary>Registers an activity factory under <paramref name="name"/>.</summary>
    /// <param name="name">The name.</param>
    /// <param name="factory">Creates the activity.</param>
    public DurableTaskRegistry AddActivity(TaskName name, Func<IServiceProvider, ITaskActivity> factory)
    {
        if (!Activities.TryAdd(Check(name), factory)) throw new ArgumentException($"An activity named '{name}' is already registered.", nameof(name));
        return this;
    }

    /// <summary>Registers an asynchronous activity function.</summary>
    /// <typeparam name="TInput">The input type.</typeparam>
    /// <typeparam name="TOutput">The output type.</typeparam>
    /// <param name="name">The name.</param>
    /// <param name="activity">The function.</param>
    public DurableTaskRegistry AddActivityFunc<TInput, TOutput>(TaskName name, Func<TaskActivityContext, TInput, Task<TOutput>> activity)
        => AddActivity(name, _ => new FuncActivity<TInput, TOutput>(activity));

    /// <summary>Registers a synchronous activity function.</summary>
    /// <typeparam name="TInput">The input type.</typeparam>
    /// <typeparam name="TOutput">The output type.</typeparam>
    /// <param name="name">The name.</param>
    /// <param name="activity">The function.</param>
    public DurableTaskRegistry AddActivityFunc<TInput, TOutput>(TaskName name, Func<TaskActivityContext, TInput, TOutput> activity)
        => AddActivityFunc<TInput, TOutput>(name, (c, i) => Task.FromResult(activity(c, i)));

    /// <summary>Registers an asynchronous activity function without output.</summary>
    /// <typeparam name="TInput">The input type.</typeparam>
    /// <param name="name">The name.</param>
    /// <param name="activity">The function.</param>
    public DurableTaskRegistry AddActivityFunc<TInput>(TaskName name, Func<TaskActivityContext, TInput, Task> activity)
        => AddActivityFunc<TInput, object?>(name, async (c, i) => { await activity(c, i); return null; });

    /// <summary>Registers every non-abstract orchestrator and activity class of <paramref name="assembly"/>.</summary>
    /// <param name="assembly">The assembly to scan.</param>
    public DurableTaskRegistry AddAllTasksFrom(Assembly assembly)
    {
        foreach (var type in assembly.GetTypes().Where(t => t is { IsAbstract: false, IsInterface: false, ContainsGenericParameters: false } && !t.IsDefined(typeof(System.Runtime.CompilerServices.CompilerGeneratedAttribute), false)))
        {
            if (type == typeof(FuncOrchestrator<,>) || type.Assembly == typeof(DurableTaskRegistry).Assembly) continue;
            if (typeof(ITaskOrchestrator).IsAssignableFrom(type)) AddOrchestrator(type);
            else if (typeof(ITaskActivity).IsAssignableFrom(type)) AddActivity(type);
        }
        return this;
    }

    private static string NameOf(Type type)
    {
        var attr = type.GetCustomAttribute<DurableTaskAttribute>();
        return attr is not null && !string.IsNullOrEmpty(attr.Name.Name) ? attr.Name.Name : type.Name;
    }

    private static string Check(TaskName name)
        => string.IsNullOrWhiteSpace(name.Name) ? throw new ArgumentException("A task name is required.", nameof(name)) : name.Name;

    private sealed class FuncOrchestrator<TInput, TOutput>(Func<TaskOrchestrationContext, TInput, Task<TOutput>> func) : TaskOrchestrator<TInput, TOutput>
    {
        public override Task<TOutput> RunAsync(TaskOrchestrationContext context, TInput input) => func(context, input);
    }

    private sealed class FuncActivity<TInput, TOutput>(Func<TaskActivityContext, TInput, Task<TOutput>> func) : TaskActivity<TInput, TOutput>
    {
        public override Task<TOutput> RunAsync(TaskActivityContext context, TInput input) => func(context, input);
    }
}
