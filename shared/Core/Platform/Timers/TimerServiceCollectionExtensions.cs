using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Fleet.Core.Platform.Timers;

public static class TimerServiceCollectionExtensions
{
    /// <summary>The timer runtime: catalog, status store and the scheduler. Safe to call more than once.</summary>
    public static IServiceCollection AddFleetTimers(this IServiceCollection services)
    {
        if (services.Any(d => d.ServiceType == typeof(TimerCatalog))) return services;
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<TimerCatalog>();
        services.AddSingleton<TimerStatusStore>();
        services.AddHostedService<TimerScheduler>();
        return services;
    }

    /// <summary>Registers a timer function; its dependencies come from DI.</summary>
    public static IServiceCollection AddTimerFunction<T>(this IServiceCollection services) where T : class, ITimerFunction
    {
        services.AddFleetTimers();
        services.TryAddSingleton<T>();
        services.AddSingleton<ITimerFunction>(sp => sp.GetRequiredService<T>());
        return services;
    }

    /// <summary>Registers a timer function built by <paramref name="factory"/> (several instances of one class, tests).</summary>
    public static IServiceCollection AddTimerFunction(this IServiceCollection services, Func<IServiceProvider, ITimerFunction> factory)
    {
        services.AddFleetTimers();
        services.AddSingleton(factory);
        return services;
    }
}
