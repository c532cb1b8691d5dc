using System.Text.Json;
using System.Text.Json.Nodes;
using Fleet.Core.KubeEdge;
using Fleet.Core.Platform.Errors;
using Fleet.Core.Platform.Json;
using Fleet.Functions.Platform.Durable;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Options;

namespace Fleet.Functions.KubeEdge;

/// <summary>
/// How a long KubeEdge route answers, as Durable Functions' WaitForCompletionOrCreateCheckStatusResponse does but in the seed's
/// shape: done within the short wait → the seed's body (200); still running → 202 with the check-status links merged into the body.
/// </summary>
public static class KubeEdgeLongRun
{
    public static async Task<IResult> RespondAsync<TOutput>(HttpRequest request, DurableTaskClient client, string instanceId,
        IOptions<KubeEdgeOptions> options, Func<TOutput, Task<object>> done, Func<JsonObject> running, int doneStatus = 200)
    {
        var meta = await LongRunResponse.WaitAsync(request, client, instanceId, TimeSpan.FromSeconds(options.Value.SyncWaitSeconds));
        if (meta?.RuntimeStatus == OrchestrationRuntimeStatus.Completed)
            return Results.Json(await done(meta.ReadOutputAs<TOutput>()!), FleetJson.Options, statusCode: doneStatus);
        if (meta is not null)
            throw new FleetException(FleetErrorKind.Internal, $"the operation {meta.RuntimeStatus.ToString().ToLowerInvariant()}: {meta.FailureDetails?.ErrorMessage}");
        return await LongRunResponse.AcceptedAsync(request, client, instanceId, running());
    }
}
