using Fleet.Core.Platform.Events;

namespace Fleet.Core.Snap;

/// <summary>One progress message of a SNAP operation, as <c>ws/progress</c> and custom status carry it.</summary>
public sealed record SnapProgressUpdate(string OperationId, string TaskName, string Stage, int Percent, long Bytes, long TotalBytes, string Message);

/// <summary>Publishes SNAP progress on the event bus (family <c>snap</c>, type <c>progress</c>) for <c>ws/progress</c>.</summary>
public sealed class SnapProgress(IEventBus bus)
{
    public const string Family = "snap";
    public const string Type = "progress";

    public void Report(SnapProgressUpdate p) => bus.Publish(Family, Type, new
    {
        operation_id = p.OperationId, task_name = p.TaskName, stage = p.Stage, progress = p.Percent, percent = p.Percent,
        bytes = p.Bytes, total_bytes = p.TotalBytes, message = p.Message,
    });
}
