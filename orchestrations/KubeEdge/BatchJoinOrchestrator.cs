using Fleet.Core.KubeEdge;
using Fleet.Core.Platform.Errors;
using Microsoft.DurableTask;

namespace Fleet.Orchestrations.KubeEdge;

public sealed record BatchJoinInput(string ClusterId, IReadOnlyList<DeviceJoinRequest> Devices);
/// <summary>A chunk of a batch; <see cref="BatchId"/> (the orchestration instance) marks the devices this batch joined.</summary>
public sealed record DeviceJoinWork(string ClusterId, IReadOnlyList<DeviceJoinRequest> Devices, string? BatchId = null);
/// <summary>Per-device outcome: joined, already_present or failed (with the reason).</summary>
public sealed record DeviceJoinResult(string DeviceId, string NodeName, string Result, string? Error);
public sealed record BatchJoinProgress(int Total, int Done, int Joined, int AlreadyPresent, int Failed);
public sealed record BatchJoinOutput(string Status, int Total, int Joined, int AlreadyPresent, int Failed, IReadOnlyList<DeviceJoinResult> Results);

/// <summary>
/// Fans out in waves of <see cref="Wave"/> devices so progress (custom status) moves while a large batch runs. Each activity joins
/// a chunk of <see cref="Chunk"/> devices concurrently and returns a result per device: one durable message per device would spend
/// most of the time in queue round trips, not in joining.
/// </summary>
public sealed class BatchJoinOrchestrator : TaskOrchestrator<BatchJoinInput, BatchJoinOutput>
{
    public const int Wave = 200;
    public const int Chunk = 10;

    public override async Task<BatchJoinOutput> RunAsync(TaskOrchestrationContext context, BatchJoinInput input)
    {
        var results = new List<DeviceJoinResult>(input.Devices.Count);
        context.SetCustomStatus(Progress(input.Devices.Count, results));
        for (var i = 0; i < input.Devices.Count; i += Wave)
        {
            var wave = input.Devices.Skip(i).Take(Wave).Chunk(Chunk)
                .Select(c => context.CallActivityAsync<DeviceJoinResult[]>(nameof(JoinDevicesActivity), new DeviceJoinWork(input.ClusterId, c, context.InstanceId)))
                .ToList();
            foreach (var chunk in await Task.WhenAll(wave)) results.AddRange(chunk);
            context.SetCustomStatus(Progress(input.Devices.Count, results));
        }
        var p = Progress(input.Devices.Count, results);
        return new BatchJoinOutput(p.Failed == 0 ? "completed" : p.Failed == p.Total ? "failed" : "partial",
            p.Total, p.Joined, p.AlreadyPresent, p.Failed, results);
    }

    private static BatchJoinProgress Progress(int total, List<DeviceJoinResult> r) => new(total, r.Count,
        r.Count(x => x.Result == "joined"), r.Count(x => x.Result == "already_present"), r.Count(x => x.Result == "failed"));
}

/// <summary>Joins a chunk of devices concurrently; a failure is a result, not an exception, so one bad device does not fail the batch.</summary>
public sealed class JoinDevicesActivity(DeviceService devices) : TaskActivity<DeviceJoinWork, DeviceJoinResult[]>
{
    public override Task<DeviceJoinResult[]> RunAsync(TaskActivityContext context, DeviceJoinWork input) =>
        Task.WhenAll(input.Devices.Select(d => JoinOneAsync(input.ClusterId, d, input.BatchId)));

    private async Task<DeviceJoinResult> JoinOneAsync(string clusterId, DeviceJoinRequest d, string? batchId)
    {
        try
        {
            var (_, outcome) = await devices.JoinAsync(clusterId, d, CancellationToken.None, batchId);
            return new DeviceJoinResult(d.DeviceId ?? "", d.NodeName ?? "", outcome == JoinOutcome.Joined ? "joined" : "already_present", null);
        }
        catch (FleetException e) when (e.Kind is FleetErrorKind.Validation or FleetErrorKind.Conflict or FleetErrorKind.NotFound)
        {
            return new DeviceJoinResult(d.DeviceId ?? "", d.NodeName ?? "", "failed", e.Message);
        }
    }
}
