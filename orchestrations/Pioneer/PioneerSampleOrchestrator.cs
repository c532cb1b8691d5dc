using Fleet.Core.Pioneer;
using Microsoft.DurableTask;

namespace Fleet.Orchestrations.Pioneer;

/// <summary>One sampler tick: the time every sample of the tick carries.</summary>
public sealed record SampleTick(DateTimeOffset At);

/// <summary>One source's share of a tick.</summary>
public sealed record SampleSource(string Source, DateTimeOffset At);

/// <summary>One tick of CloudPioneer's sampler: fans out one activity per source and answers how many samples were written.
/// A source that fails (a cluster down) costs its own samples only.</summary>
public sealed class PioneerSampleOrchestrator : TaskOrchestrator<SampleTick, int>
{
    public override async Task<int> RunAsync(TaskOrchestrationContext context, SampleTick input)
    {
        var tasks = PioneerSampler.Sources
            .Select(s => SampleAsync(context, new SampleSource(s, input.At)))
            .ToList();
        return (await Task.WhenAll(tasks)).Sum();
    }

    private static async Task<int> SampleAsync(TaskOrchestrationContext context, SampleSource source)
    {
        try
        {
            return await context.CallActivityAsync<int>(nameof(SampleSourceActivity), source);
        }
        catch (TaskFailedException)
        {
            return 0;
        }
    }
}

/// <summary>Reads one source and writes its samples at the tick's time.</summary>
public sealed class SampleSourceActivity(PioneerSampler sampler) : TaskActivity<SampleSource, int>
{
    public override Task<int> RunAsync(TaskActivityContext context, SampleSource input) =>
        sampler.SampleSourceAsync(input.Source, input.At, CancellationToken.None);
}
