using Fleet.Core.Pioneer;
using Fleet.Functions.Platform.Auth;

namespace Fleet.Functions.Pioneer;

/// <summary>The seed's "List Resources": one inventory of what Fleet manages (ResourceQuery documents the filter grammar).</summary>
public static class PioneerResourceFunctions
{
    public static void MapPioneerResources(this RouteGroupBuilder group)
    {
        group.MapGet("/resources", (string? page, string? per_page, string? sort, string? order, string? filter,
                ResourceInventory inventory, CancellationToken ct) =>
                inventory.ListAsync(ResourceQuery.Parse(page, per_page, sort, order, filter), ct))
            .RequireRole(FleetRole.Viewer).WithName("PioneerListResources").WithSummary("List resources")
            .PioneerResponses<ResourcePage>(400);
        group.MapGet("/resources/{resource_id}/metrics", (string resource_id, string? start_time, string? end_time, string? interval,
                string[]? metrics, MetricSeries series, TimeProvider time, CancellationToken ct) =>
                series.ReadAsync(resource_id, MetricSeries.Parse(start_time, end_time, interval, metrics ?? [], time.GetUtcNow()), ct))
            .RequireRole(FleetRole.Viewer).WithName("PioneerResourceMetrics").WithSummary("Get resource metrics")
            .PioneerResponses<ResourceSeries>(400);
    }
}
