using System.Collections.Concurrent;
using Microsoft.DurableTask;

namespace Fleet.Durable.Tests;

/// <summary>The orchestrators and activities the scenario tests run.</summary>
public static class TestTasks
{
    /// <summary>Attempts per key, so that tests can see how often an activity ran.</summary>
    public static readonly ConcurrentDictionary<string, int> Attempts = new();

    /// <summary>Instances whose orchestrator code changes on replay (for the nondeterminism test).</summary>
    public static readonly ConcurrentDictionary<string, bool> ChangedCode = new();

    public static void Register(DurableTaskRegistry r)
    {
        r.AddActivityFunc<string, string>("Hello", (_, name) => $"Hello {name}!");
        r.AddActivityFunc<int, int>("Square", (_, x) => x * x);
        r.AddActivityFunc<string, string>("Echo", (_, s) => s + "!");
        r.AddActivityFunc<string, int>("Flaky", (_, key) =>
        {
            int n = Attempts.AddOrUpdate(key, 1, (_, v) => v + 1);
            if (n < 3) throw new InvalidOperationException($"flaky attempt {n}");
            return n;
        });
        r.AddActivityFunc<string, int>("AlwaysFails", (_, key) =>
        {
            int n = Attempts.AddOrUpdate(key, 1, (_, v) => v + 1);
            if (n > 0) throw new InvalidOperationException($"always fails (attempt {n})");
            return n;
        });

        r.AddOrchestratorFunc<string, List<string>>("Chain", async (ctx, _) =>
        [
            await ctx.CallActivityAsync<string>("Hello", "Tokyo"),
            await ctx.CallActivityAsync<string>("Hello", "Seattle"),
            await ctx.CallActivityAsync<string>("Hello", "London"),
        ]);

        r.AddOrchestratorFunc<int, long>("FanOut", async (ctx, n) =>
        {
            var tasks = Enumerable.Range(1, n).Select(i => ctx.CallActivityAsync<int>("Square", i)).ToList();
            int[] results = await Task.WhenAll(tasks);
            return results.Sum(x => (long)x);
        });

        r.AddOrchestratorFunc<string, int>("RetrySucceeds", (ctx, key) =>
            ctx.CallActivityAsync<int>("Flaky", key, new TaskOptions(new RetryPolicy(3, TimeSpan.FromMilliseconds(100), 2.0))));

        r.AddOrchestratorFunc<string, int>("RetryExhausts", (ctx, key) =>
            ctx.CallActivityAsync<int>("AlwaysFails", key, TaskOptions.FromRetryPolicy(new RetryPolicy(3, TimeSpan.FromMilliseconds(50), 2.0, TimeSpan.FromMilliseconds(80)))));

        r.AddOrchestratorFunc<string, int>("RetryHandleFailure", (ctx, key) =>
            ctx.CallActivityAsync<int>("AlwaysFails", key, new TaskOptions(new RetryPolicy(5, TimeSpan.FromMilliseconds(50))
            {
                HandleFailure = f => f.IsCausedBy<TimeoutException>(),
            })));

        r.AddOrchestratorFunc<string, int>("CallAlwaysFails", async (ctx, key) => await ctx.CallActivityAsync<int>("AlwaysFails", key));

        r.AddOrchestratorFunc<string, string>("FailingChild", Task<string> (ctx, _) => throw new InvalidOperationException("child broke"));
        r.AddOrchestratorFunc<string, string>("GoodChild", async (ctx, name) => await ctx.CallActivityAsync<string>("Hello", name) + $" from {ctx.Parent?.InstanceId}");
        r.AddOrchestratorFunc<string, string>("Parent", async (ctx, _) =>
        {
            string good = await ctx.CallSubOrchestratorAsync<string>("GoodChild", "kid", new SubOrchestrationOptions { InstanceId = ctx.InstanceId + "-good" });
            try
            {
                await ctx.CallSubOrchestratorAsync<string>("FailingChild", null, new SubOrchestrationOptions { InstanceId = ctx.InstanceId + "-bad" });
                return "not reached";
            }
            catch (TaskFailedException ex)
            {
                return $"{good} | caught {ex.TaskName}: {ex.FailureDetails.ErrorType}: {ex.FailureDetails.ErrorMessage}";
            }
        });

        r.AddOrchestratorFunc<string, string>("ChildIdTaken", async (ctx, takenId) =>
        {
            try
            {
                return await ctx.CallSubOrchestratorAsync<string>("WaitEvent", null, new SubOrchestrationOptions { InstanceId = takenId });
            }
            catch (TaskFailedException ex)
            {
                return ex.FailureDetails.ErrorMessage;
            }
        });

        r.AddOrchestratorFunc<int, double>("Timer", async (ctx, ms) =>
        {
            DateTime start = ctx.CurrentUtcDateTime;
            await ctx.CreateTimer(TimeSpan.FromMilliseconds(ms), CancellationToken.None);
            return (ctx.CurrentUtcDateTime - start).TotalMilliseconds;
        });

        r.AddOrchestratorFunc<string, string>("WaitEvent", async (ctx, _) =>
        {
            ctx.SetCustomStatus("waiting");
            string value = await ctx.WaitForExternalEvent<string>("Approval");
            ctx.SetCustomStatus("done");
            return value;
        });

        r.AddOrchestratorFunc<string, string>("WaitEventLater", async (ctx, _) =>
        {
            // The event is raised while this activity runs, so it must be buffered until the wait.
            await ctx.CallActivityAsync<string>("Hello", "first");
            await ctx.CreateTimer(TimeSpan.FromMilliseconds(300), CancellationToken.None);
            return await ctx.WaitForExternalEvent<string>("Approval");
        });

        r.AddOrchestratorFunc<int, string>("EventTimeout", async (ctx, ms) =>
        {
            try
            {
                return await ctx.WaitForExternalEvent<string>("Never", TimeSpan.FromMilliseconds(ms));
            }
            catch (TaskCanceledException)
            {
                return "timed out";
            }
        });

        r.AddOrchestratorFunc<int, int>("Counter", (ctx, n) =>
        {
            if (n < 50) ctx.ContinueAsNew(n + 1);
            return Task.FromResult(n);
        });

        r.AddOrchestratorFunc<int[], int>("Accumulate", async (ctx, state) =>
        {
            // state = [received, sum]; each execution takes one event, then continues as new.
            int value = await ctx.WaitForExternalEvent<int>("add");
            int[] next = [state[0] + 1, state[1] + value];
            if (next[0] < 3)
            {
                ctx.ContinueAsNew(next);
                return -1;
            }
            return next[1];
        });

        r.AddOrchestratorFunc<string, string>("Nondeterministic", async (ctx, _) =>
        {
            string activity = ChangedCode.ContainsKey(ctx.InstanceId) ? "Echo" : "Hello";
            await ctx.CallActivityAsync<string>(activity, "x");
            ctx.SetCustomStatus("waiting");
            return await ctx.WaitForExternalEvent<string>("go");
        });

        r.AddOrchestratorFunc<string, string>("Sender", async (ctx, target) =>
        {
            ctx.SendEvent(target, "Approval", "sent by " + ctx.InstanceId);
            return await ctx.CallActivityAsync<string>("Hello", "sender");
        });

        r.AddOrchestratorFunc<string, string[]>("Guids", async (ctx, _) =>
        {
            Guid a = ctx.NewGuid();
            await ctx.CallActivityAsync<string>("Hello", "guid");
            Guid b = ctx.NewGuid();
            ctx.CreateReplaySafeLogger("test").LogInformationSafe("guids made");
            return [a.ToString(), b.ToString()];
        });

        r.AddOrchestratorFunc<string, string>("EchoLarge", async (ctx, input) =>
        {
            string fromActivity = await ctx.CallActivityAsync<string>("Echo", input);
            ctx.SetCustomStatus(new { length = fromActivity.Length });
            return fromActivity;
        });

        r.AddOrchestrator<GreetingOrchestrator>();
        r.AddActivity<GreetActivity>();
    }

    private static void LogInformationSafe(this Microsoft.Extensions.Logging.ILogger logger, string message)
        => Microsoft.Extensions.Logging.LoggerExtensions.LogInformation(logger, message);
}

/// <summary>A class-based orchestrator registered by type, under its attribute's name.</summary>
[DurableTask("Greeting")]
public sealed class GreetingOrchestrator : TaskOrchestrator<string, string>
{
    public override async Task<string> RunAsync(TaskOrchestrationContext context, string input)
        => await context.CallActivityAsync<string>(nameof(GreetActivity), input);
}

/// <summary>A class-based activity registered by type (under its class name).</summary>
public sealed class GreetActivity : TaskActivity<string, string>
{
    public override Task<string> RunAsync(TaskActivityContext context, string input) => Task.FromResult($"Greetings, {input} ({context.Name})");
}
