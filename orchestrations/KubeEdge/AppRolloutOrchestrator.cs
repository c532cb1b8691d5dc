using Fleet.Core.KubeEdge;
using Microsoft.DurableTask;

namespace Fleet.Orchestrations.KubeEdge;

public sealed record AppRolloutInput(AppRolloutWork Work, double PollSeconds, int MaxPolls);

/// <summary>
/// Waits for an app's rollout: reads the Deployment and its pods, then sleeps on a durable timer, at most MaxPolls times.
/// It ends with the last reading, <c>ready</c> or still <c>progressing</c>, so a slow rollout is reported rather than waited on forever.
/// </summary>
public sealed class AppRolloutOrchestrator : TaskOrchestrator<AppRolloutInput, AppRolloutStatus>
{
    public override async Task<AppRolloutStatus> RunAsync(TaskOrchestrationContext context, AppRolloutInput input)
    {
        var retry = TaskOptions.FromRetryPolicy(new RetryPolicy(3, TimeSpan.FromSeconds(1), 2));
        AppRolloutStatus status = null!;
        for (var poll = 0; poll < Math.Max(1, input.MaxPolls); poll++)
        {
            if (poll > 0) await context.CreateTimer(TimeSpan.FromSeconds(input.PollSeconds), CancellationToken.None);
            status = await context.CallActivityAsync<AppRolloutStatus>(nameof(ReadRolloutActivity), input.Work, retry);
            context.SetCustomStatus(status);
            if (status.Status == "ready") break;
        }
        return status;
    }
}

public sealed class ReadRolloutActivity(EdgeAppDeployer deployer) : TaskActivity<AppRolloutWork, AppRolloutStatus>
{
    public override Task<AppRolloutStatus> RunAsync(TaskActivityContext context, AppRolloutWork input) =>
        deployer.ReadAsync(input, CancellationToken.None);
}
