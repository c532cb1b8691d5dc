using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Fleet.Core.Platform.Timers.Sweeps;

public static class SweepSettings
{
    /// <summary>A positive whole number of days from <paramref name="key"/>; a bad value is an error, not a silent default.</summary>
    public static int Days(IConfiguration configuration, string key, int fallback) => configuration[key] switch
    {
        null or "" => fallback,
        var v when int.TryParse(v, out var d) && d > 0 => d,
        var v => throw new InvalidOperationException($"{key} must be a whole number of days above 0, not '{v}'."),
    };

    /// <summary>The platform's own sweeps: durable history purge and audit-log retention.</summary>
    public static IServiceCollection AddPlatformSweeps(this IServiceCollection services) => services
        .AddTimerFunction<DurableHistoryPurge>()
        .AddTimerFunction<AuditLogRetention>();
}
