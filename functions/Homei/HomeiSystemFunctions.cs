using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Fleet.Core.Homei;
using Fleet.Core.Platform.Errors;
using Fleet.Functions.Platform.Auth;

namespace Fleet.Functions.Homei;

/// <summary>The seed's "Monitoring" and "Configuration" routes: metrics, system info, config.</summary>
public static class HomeiSystemFunctions
{
    public sealed record StatusMessage(string Status, string Message);

    public static void MapHomeiSystem(this RouteGroupBuilder api)
    {
        api.MapGet("/metrics", Metrics).RequireRole(FleetRole.Viewer).WithName("HomeiMetrics").WithSummary("Prometheus metrics")
            .Produces<string>(200, "text/plain");
        var v1 = api.MapGroup("/v1").ViewerReadsOperatorWrites();
        v1.MapGet("/system/info", () => SystemInfoReader.Read()).WithName("HomeiSystemInfo").WithSummary("System information");
        v1.MapGet("/config", (HomeiConfigStore s, CancellationToken ct) => s.GetAsync(ct)).WithName("HomeiGetConfig").WithSummary("Get configuration");
        v1.MapPut("/config", UpdateConfig).WithName("HomeiUpdateConfig").WithSummary("Update configuration");
    }

    private static async Task<StatusMessage> UpdateConfig(JsonNode? body, HomeiConfigStore s, CancellationToken ct)
    {
        if (body is not JsonObject patch) throw FleetException.Validation("body", "The configuration must be a JSON object");
        await s.MergeAsync(patch, ct);
        return new("updated", "Configuration updated successfully");
    }

    /// <summary>Gauges counted now from the engine and the store (the seed's names and labels).</summary>
    private static async Task<IResult> Metrics(ContainerRuntime runtime, ServiceStore store, CancellationToken ct)
    {
        var containers = await runtime.ListAsync(ct);
        var services = await store.ListAsync(ct);
        var byStatus = containers.GroupBy(c => HomeiContainers.ContainerStatus(c.State)).ToDictionary(g => g.Key, g => g.Count());
        foreach (var s in new[] { "running", "stopped" }) byStatus.TryAdd(s, 0);
        var sb = new StringBuilder();
        sb.Append("# HELP homei_containers_total Total number of containers\n# TYPE homei_containers_total gauge\n");
        foreach (var (status, n) in byStatus.OrderBy(k => k.Key))
            sb.Append(CultureInfo.InvariantCulture, $"homei_containers_total{{status=\"{status}\"}} {n}\n");
        sb.Append("\n# HELP homei_services_total Total number of managed services\n# TYPE homei_services_total gauge\n");
        sb.Append(CultureInfo.InvariantCulture, $"homei_services_total{{enabled=\"true\"}} {services.Count(s => s.Enabled)}\n");
        sb.Append(CultureInfo.InvariantCulture, $"homei_services_total{{enabled=\"false\"}} {services.Count(s => !s.Enabled)}\n");
        return Results.Text(sb.ToString(), "text/plain; version=0.0.4; charset=utf-8");
    }
}
