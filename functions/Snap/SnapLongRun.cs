using System.Text.Json;
using System.Text.Json.Nodes;
using Fleet.Core.Platform.Errors;
using Fleet.Core.Platform.Json;
using Fleet.Core.Snap;
using Fleet.Functions.Platform.Durable;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Options;

namespace Fleet.Functions.Snap;

/// <summary>
/// How a long SNAP route answers (as KubeEdge's do): done within the short wait → the seed's body (200); still running →
/// 202 with the check-status links and the current progress merged into the body.
/// </summary>
public static class SnapLongRun
{
    public static async Task<IResult> RespondAsync<TOutput>(HttpRequest request, DurableTaskClient client, string instanceId,
        IOptions<SnapOptions> options, Func<JsonObject> running)
    {
        var meta = await LongRunResponse.WaitAsync(request, client, instanceId, TimeSpan.FromSeconds(options.Value.SyncWaitSeconds));
        if (meta?.RuntimeStatus == OrchestrationRuntimeStatus.Completed)
            return Results.Json(meta.ReadOutputAs<TOutput>(), FleetJson.Options);
        if (meta is not null)
            throw new FleetException(FleetErrorKind.Internal, $"the operation {meta.RuntimeStatus.ToString().ToLowerInvariant()}: {meta.FailureDetails?.ErrorMessage}");
        return await LongRunResponse.AcceptedAsync(request, client, instanceId, running());
    }
}
