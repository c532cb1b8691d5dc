using Microsoft.DurableTask;

namespace Fleet.Durable.KillHost;

/// <summary>The orchestrations the out-of-process tests run. Activities and fresh (not replayed) episodes write a line each,
/// so that the test sees what ran, how often and in which process.</summary>
internal static class HostTasks
{
    public const int ChainSteps = 3;

    public static void Register(DurableTaskRegistry r)
    {
        // A short delay keeps the fan-out in flight long enough for kills to land mid-run.
        r.AddActivityFunc<int, long>("KillSquare", async (ctx, x) =>
        {
            HostReport.Line($"activity {ctx.InstanceId} {x}");
            await Task.Delay(50);
            return (long)x * x;
        });
        r.AddOrchestratorFunc<int, long>("KillFanOut", async (ctx, n) =>
            (await Task.WhenAll(Enumerable.Range(1, n).Select(i => ctx.CallActivityAsync<long>("KillSquare", i)))).Sum());

        // Kills its own host, every time it runs: its work item can only end in the poison store.
        r.AddActivityFunc<string, string>("CrashHost", (ctx, _) =>
        {
            HostReport.Line($"crash {ctx.InstanceId}");
            System.Diagnostics.Process.GetCurrentProcess().Kill();
            return "unreachable";
        });
        r.AddOrchestratorFunc<string, string>("PoisonVictim", async (ctx, x) => await ctx.CallActivityAsync<string>("CrashHost", x));

        r.AddActivityFunc<ChainStep, long>("ChainStep", (ctx, s) =>
        {
            HostReport.Line($"activity {ctx.InstanceId} {s.Step}");
            return s.Value * 3 + s.Step;
        });
        // One episode per step: the start, then each activity result.
        r.AddOrchestratorFunc<long, long>("Chain3", async (ctx, value) =>
        {
            for (int step = 1; ; step++)
            {
                if (!ctx.IsReplaying) HostReport.Line($"episode {ctx.InstanceId} {step - 1}");
                if (step > ChainSteps) return value;
                value = await ctx.CallActivityAsync<long>("ChainStep", new ChainStep(step, value));
            }
        });
    }
}

/// <summary>The input of one step of Chain3.</summary>
internal sealed record ChainStep(int Step, long Value);
