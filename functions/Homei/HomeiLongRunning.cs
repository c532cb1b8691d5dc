using System.Text.Json;
using System.Text.Json.Nodes;
using Fleet.Core.Homei;
using Fleet.Core.Platform.Errors;
using Fleet.Core.Platform.Json;
using Microsoft.DurableTask;
using Fleet.Durable.Client;
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
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(request.HttpContext.RequestAborted);
        cts.CancelAfter(wait);
        OrchestrationMetadata? done = null;
        try
        {
            done = await client.WaitForInstanceCompletionAsync(id, true, cts.Token);
        }
        catch (OperationCanceledException) when (!request.HttpContext.RequestAborted.IsCancellationRequested)
        {
        }
        if (done is null)
        {
            var body = JsonSerializer.SerializeToNode(runningBody, FleetJson.Options)!.AsObject();
            foreach (var (k, v) in JsonSerializer.SerializeToNode(client.CreateHttpManagementPayload(request, id))!.AsObject())
                body[k] = v?.DeepClone();
            request.HttpContext.Response.Headers.Location = body["statusQueryGetUri"]!.GetValue<string>();
            request.HttpContext.Response.Headers.RetryAfter = "2";
            return Results.Json(body, statusCode: 202);
        }
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
