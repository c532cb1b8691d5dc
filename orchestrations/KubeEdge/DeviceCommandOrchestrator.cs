using Fleet.Core.KubeEdge;
using Microsoft.DurableTask;

namespace Fleet.Orchestrations.KubeEdge;

public sealed record CompleteCommandInput(string ClusterId, string CommandId, CommandReply? Reply);

/// <summary>Publishes the command, then waits for the device's reply (raised by the MQTT listener) or the timeout.</summary>
public sealed class DeviceCommandOrchestrator : TaskOrchestrator<CommandWork, string>
{
    public override async Task<string> RunAsync(TaskOrchestrationContext context, CommandWork input)
    {
        await context.CallActivityAsync(nameof(PublishCommandActivity), input,
            TaskOptions.FromRetryPolicy(new RetryPolicy(3, TimeSpan.FromSeconds(1), 2)));
        CommandReply? reply = null;
        try
        {
            reply = await context.WaitForExternalEvent<CommandReply>(CommandService.ReplyEvent, TimeSpan.FromSeconds(input.TimeoutSeconds));
        }
        catch (TaskCanceledException)
        {
            // The timeout elapsed: the command ends as timeout below.
        }
        return await context.CallActivityAsync<string>(nameof(CompleteCommandActivity), new CompleteCommandInput(input.ClusterId, input.CommandId, reply));
    }
}

public sealed class PublishCommandActivity(CommandService commands) : TaskActivity<CommandWork, bool>
{
    public override async Task<bool> RunAsync(TaskActivityContext context, CommandWork input)
    {
        await commands.PublishAsync(input, CancellationToken.None);
        return true;
    }
}

public sealed class CompleteCommandActivity(CommandService commands) : TaskActivity<CompleteCommandInput, string>
{
    public override async Task<string> RunAsync(TaskActivityContext context, CompleteCommandInput input) =>
        (await commands.CompleteAsync(input.ClusterId, input.CommandId, input.Reply, CancellationToken.None)).Status;
}
