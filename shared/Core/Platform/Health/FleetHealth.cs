using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Fleet.Core.Platform.Health;

/// <summary>What the probes found, in the shape every family's health route is made from.</summary>
public sealed record FleetHealthReport(bool Healthy, IReadOnlyDictionary<string, string> Components,
    IReadOnlyList<string> FailedRequired);

/// <summary>Runs the registered probes; a component listed in <c>Health__Required</c> being down makes the whole host unhealthy.</summary>
public sealed class FleetHealth(HealthCheckService checks, Microsoft.Extensions.Configuration.IConfiguration configuration)
{
    public const string DefaultRequired = "storage,mqtt";

    public async Task<FleetHealthReport> CheckAsync(CancellationToken ct = default)
    {
        var required = (configuration["Health:Required"] ?? DefaultRequired)
            .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .ToHashSet(StringComparer.OrdinalIgnoreCase);
        var report = await checks.CheckHealthAsync(ct);
        var components = report.Entries.ToDictionary(e => e.Key,
            e => e.Value.Status == HealthStatus.Healthy ? e.Value.Description ?? "connected" : e.Value.Description ?? "unavailable");
        var failed = report.Entries.Where(e => e.Value.Status != HealthStatus.Healthy && required.Contains(e.Key))
            .Select(e => e.Key).ToList();
        return new FleetHealthReport(failed.Count == 0, components, failed);
    }
}
