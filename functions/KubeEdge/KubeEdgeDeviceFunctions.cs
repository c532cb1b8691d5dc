using Microsoft.DurableTask;
using System.Text.Json.Nodes;
using Fleet.Core.KubeEdge;
using Fleet.Core.Platform.Errors;
using Fleet.Core.Platform.Json;
using Microsoft.DurableTask.Client;
using Fleet.Functions.Platform.Auth;
using Fleet.Orchestrations.KubeEdge;
using Microsoft.Extensions.Options;

namespace Fleet.Functions.KubeEdge;

/// <summary>Devices: join one, list, get, delete, and batch join through an orchestration.</summary>
public static class KubeEdgeDeviceFunctions
{
    public const int MaxBatch = 5000;
    public sealed record BatchJoinRequest(IReadOnlyList<DeviceJoinRequest>? Devices);

    public static void MapKubeEdgeDevices(this RouteGroupBuilder group)
    {
        group.MapPost("/device/join", Join).RequireRole(FleetRole.Operator).WithSummary("Add single edge device").Produces(StatusCodes.Status201Created);
        group.MapGet("/devices", async (string? node_name, string? status, int? limit, string? @continue, DeviceService devices, CancellationToken ct) =>
            Results.Json(await devices.ListAsync(node_name, status, limit, @continue, ct))).RequireRole(FleetRole.Viewer).WithSummary("List all devices");
        group.MapGet("/device/{id}", async (string id, DeviceService devices, CancellationToken ct) =>
            Results.Json(DeviceView.From(await devices.GetAsync(id, ct)))).RequireRole(FleetRole.Viewer).WithSummary("Single device details");
        group.MapDelete("/device/{id}", async (string id, DeviceService devices, CancellationToken ct) =>
        {
            await devices.DeleteAsync(id, ct);
            return Results.Json(new { Status = "deleted", DeviceId = id });
        }).RequireRole(FleetRole.Operator).WithSummary("Remove device");
        group.MapPost("/batch-join", BatchJoin).RequireRole(FleetRole.Operator).WithSummary("Add multiple devices").Produces(StatusCodes.Status202Accepted);
    }

    private static async Task<IResult> Join(DeviceJoinRequest body, DeviceService devices, JoinTokenService tokens, KubeEdgeScope scope, CancellationToken ct)
    {
        var request = DeviceService.Validate(body);
        var clusterId = await scope.ClusterIdAsync(ct);
        if (await devices.FindAsync(clusterId, request.DeviceId!, ct) is not null)
            throw FleetException.Conflict($"device '{request.DeviceId}' already exists");
        var (device, outcome) = await devices.JoinAsync(clusterId, request, ct);
        if (outcome == JoinOutcome.AlreadyPresent) throw FleetException.Conflict($"device '{request.DeviceId}' already exists");
        var token = await tokens.GenerateAsync(device.NodeName, null, ct);
        var view = DeviceView.From(device);
        return Results.Json(new
        {
            Status = "joined", view.DeviceId, view.NodeName, view.Model, view.Protocol, view.Namespace, DeviceStatus = view.Status,
            view.CreatedAt, token.JoinCommand, TokenExpiresAt = token.ExpiresAt,
        }, statusCode: StatusCodes.Status201Created);
    }

    private static async Task<IResult> BatchJoin(BatchJoinRequest body, HttpRequest request, DurableTaskClient client, KubeEdgeScope scope,
        IOptions<KubeEdgeOptions> options, CancellationToken ct)
    {
        if (body.Devices is null || body.Devices.Count == 0) throw FleetException.Validation("devices", "devices must be a non-empty list");
        if (body.Devices.Count > MaxBatch) throw FleetException.Validation("devices", $"at most {MaxBatch} devices per batch");
        // Every entry is checked before anything starts, so a bad batch writes nothing.
        var valid = body.Devices.Select((d, i) => DeviceService.Validate(d ?? new DeviceJoinRequest(null, null), $"devices[{i}].")).ToList();
        var duplicate = valid.GroupBy(d => d.DeviceId).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null) throw FleetException.Validation("devices", $"device_id '{duplicate.Key}' appears more than once");
        var clusterId = await scope.ClusterIdAsync(ct);
        var id = await client.ScheduleNewOrchestrationInstanceAsync(nameof(BatchJoinOrchestrator), new BatchJoinInput(clusterId, valid),
            new StartOrchestrationOptions("kubeedge-batch-" + Guid.NewGuid().ToString("N")), ct);
        return await KubeEdgeLongRun.RespondAsync<BatchJoinOutput>(request, client, id, options, o => Task.FromResult<object>(o),
            () => new JsonObject { ["status"] = "running", ["total"] = valid.Count, ["instance_id"] = id });
    }
}
