using System.Text.Json;
using System.Text.Json.Nodes;
using Fleet.Core.Homei;
using Fleet.Core.Platform.Errors;
using Fleet.Core.Platform.Json;
using Microsoft.DurableTask;
using Fleet.Functions.Platform.Durable;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Options;

namespace Fleet.Functions.Homei;

/// <summary>
/// Long routes (backup, restore, RAUC install): start the orchestration and wait <c>Homei__LongRunningWait</c>.
/// Finished in time: the seed's body (or the family's error). Still running: 202 with the seed's
/// "in progress" body and Durable Functions' check-status links merged into it.
/// </summary>
public static class HomeiLongRunning
{
    public static async Task<IResult> RunAsync<TOutput>(HttpRequest request, TaskName orchestrator, object input,
        Func<TOutput, object> completedBody, object runningBody, Func<string, FleetException> failure, int completedStatus = 200)
    {
        var client = request.HttpContext.RequestServices.GetRequiredService<DurableTaskClient>();
        var wait = request.HttpContext.RequestServices.GetRequiredService<IOptions<HomeiOptions>>().Value.LongRunningWait;
        var id = await client.ScheduleNewOrchestrationInstanceAsync(orchestrator, input);
        var done = await LongRunResponse.WaitAsync(request, client, id, wait);
        if (done is null)
            return await LongRunResponse.AcceptedAsync(request, client, id, JsonSerializer.SerializeToNode(runningBody, FleetJson.Options)!.AsObject(), withProgress: false);
        if (done.RuntimeStatus != OrchestrationRuntimeStatus.Completed)
            throw failure(Innermost(done.FailureDetails) ?? $"The operation ended {done.RuntimeStatus.ToString().ToLowerInvariant()}");
        return Results.Json(completedBody(done.ReadOutputAs<TOutput>()!), FleetJson.Options, statusCode: completedStatus);
    }

    private static string? Innermost(TaskFailureDetails? d)
    {
        while (d?.InnerFailure is not null) d = d.InnerFailure;
        return d?.ErrorMessage;
    }
}
