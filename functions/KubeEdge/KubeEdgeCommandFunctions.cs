using Microsoft.DurableTask;
using System.Text.Json.Nodes;
using Fleet.Core.KubeEdge;
using Microsoft.DurableTask.Client;
using Fleet.Functions.Platform.Auth;
using Fleet.Orchestrations.KubeEdge;
using Microsoft.Extensions.Options;

namespace Fleet.Functions.KubeEdge;

/// <summary>Commands to devices over MQTT, completed by the device's reply or a timeout.</summary>
public static class KubeEdgeCommandFunctions
{
    public sealed record CommandRequest(string? Command, JsonObject? Parameters = null, int? TimeoutSeconds = null);

    public static void MapKubeEdgeCommands(this RouteGroupBuilder group)
    {
        group.MapPost("/device/{id}/command", Send).RequireRole(FleetRole.Operator).WithSummary("Send command").Produces(StatusCodes.Status202Accepted);
        group.MapGet("/command/{id}/status", async (string id, CommandService commands, CancellationToken ct) =>
            Results.Json(CommandView.From(await commands.GetAsync(id, ct)))).RequireRole(FleetRole.Viewer).WithSummary("Command result");
    }

    private static async Task<IResult> Send(string id, CommandRequest body, HttpRequest request, CommandService commands, DurableTaskClient client,
        IOptions<KubeEdgeOptions> options, CancellationToken ct)
    {
        var (command, work) = await commands.CreateAsync(id, body.Command, body.Parameters, body.TimeoutSeconds, ct);
        var instance = await client.ScheduleNewOrchestrationInstanceAsync(nameof(DeviceCommandOrchestrator), work,
            new StartOrchestrationOptions(CommandService.InstanceId(command.RowKey)), ct);
        return await KubeEdgeLongRun.RespondAsync<string>(request, client, instance, options,
            async _ => CommandView.From((await commands.FindAsync(work.ClusterId, work.CommandId, CancellationToken.None))!),
            () => new JsonObject
            {
                ["command_id"] = command.RowKey, ["device_id"] = command.DeviceId, ["command"] = command.Command,
                ["status"] = CommandStatus.Pending, ["timeout_seconds"] = command.TimeoutSeconds,
            });
    }
}
