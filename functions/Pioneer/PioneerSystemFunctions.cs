using Fleet.Core.Pioneer;
using Fleet.Functions.Platform.Auth;

namespace Fleet.Functions.Pioneer;

/// <summary>The seed's "Get System Metrics": the host Fleet runs on, from /proc and the root filesystem.</summary>
public static class PioneerSystemFunctions
{
    /// <summary>The window over which CPU usage is measured.</summary>
    public static readonly TimeSpan CpuWindow = TimeSpan.FromMilliseconds(250);

    public static void MapPioneerSystem(this RouteGroupBuilder group) =>
        group.MapGet("/system/metrics", (CancellationToken ct) => SystemMetricsReader.ReadAsync(CpuWindow, ct: ct))
            .RequireRole(FleetRole.Viewer).WithName("PioneerSystemMetrics").WithSummary("Get system metrics")
            .PioneerResponses<SystemMetrics>();
}
