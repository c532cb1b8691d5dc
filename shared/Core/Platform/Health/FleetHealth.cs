using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Fleet.Core.Platform.Health;

/// <summary>What the probes found, in the shape every family's health route is made from.</summary>
public sealed record FleetHealthReport(bool Healthy, IReadOnlyDictionary<string, string> Components,
    IReadOnlyList<string> FailedRequired);

/// <summary>Runs the registered probes; a component listed in <c>Health__Required</c> being down makes the whole host unhealthy.</summary>
/// <remarks>
/// A component that changes state is logged once, as one warning line (down) or information line (back), without a
/// stack trace; the framework's own per-probe log lines are filtered out (<see cref="FrameworkLogCategory"/>).
/// </remarks>
public sealed class FleetHealth(HealthCheckService checks, Microsoft.Extensions.Configuration.IConfiguration configuration,
    Microsoft.Extensions.Logging.ILogger<FleetHealth> logger)
{
    public const string DefaultRequired = "storage,mqtt";

    /// <summary>The category whose per-probe warnings and stack traces the host turns off (PlatformModule).</summary>
    public const string FrameworkLogCategory = "Microsoft.Extensions.Diagnostics.HealthChecks.DefaultHealthCheckService";

    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, HealthStatus> _last = new();

    public async Task<FleetHealthReport> CheckAsync(CancellationToken ct = default)
    {
        var required = (configuration["Health:Required"] ?? DefaultRequired)
            .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .ToHashSet(StringComparer.OrdinalIgnoreCase);
        var report = await checks.CheckHealthAsync(ct);
        foreach (var (name, entry) in report.Entries)
        {
            var previous = _last.TryGetValue(name, out var p) ? p : HealthStatus.Healthy;
            _last[name] = entry.Status;
            if (previous == entry.Status) continue;
            if (entry.Status == HealthStatus.Healthy)
                Microsoft.Extensions.Logging.LoggerExtensions.LogInformation(logger, "Health: {Component} is back ({Description})", name, entry.Description ?? "connected");
            else
                Microsoft.Extensions.Logging.LoggerExtensions.LogWarning(logger, "Health: {Component} is {Status}: {Description}", name,
                    entry.Status.ToString().ToLowerInvariant(), entry.Description ?? entry.Exception?.Message ?? "unavailable");
        }
        var components = report.Entries.ToDictionary(e => e.Key,
            e => e.Value.Status == HealthStatus.Healthy ? e.Value.Description ?? "connected" : e.Value.Description ?? "unavailable");
        var failed = report.Entries.Where(e => e.Value.Status != HealthStatus.Healthy && required.Contains(e.Key))
            .Select(e => e.Key).ToList();
        return new FleetHealthReport(failed.Count == 0, components, failed);
    }
}
