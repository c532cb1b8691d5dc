using Fleet.Core.Kubernetes;
using Fleet.Core.Platform.Errors;
using Fleet.Core.Snap;
using Fleet.Functions.Platform.Auth;
using Fleet.Functions.Platform.Contract;

namespace Fleet.Functions.Snap;

/// <summary>SNAP <c>/checkpoint/kubelet/checkpoint</c>, <c>/checkpoint/list</c> and <c>/checkpoint/download/{pod_name}/{filename}</c>.</summary>
public static class SnapCheckpointFunctions
{
    public sealed record CheckpointRequest(string? PodName = null, string? Namespace = null, string? NodeName = null,
        string? ContainerName = null, [property: Name] string? ClusterName = null);

    public sealed record CheckpointResponse(bool Success, string PodId, IReadOnlyList<string> ContainerIds, string CheckpointPath,
        string Message, string CheckpointId, string NodeName, string FileName, long Size, string Sha256, string CreatedAt, string DownloadUrl);

    public sealed record CheckpointItem(string Id, string PodName, string Namespace, string ContainerName, string ClusterName, string NodeName,
        string FileName, string CheckpointPath, string CreatedAt, string Size, long SizeBytes, string Sha256, string Status, string? Error);

    public sealed record CheckpointList(bool Success, IReadOnlyList<CheckpointItem> Checkpoints, string? Continue);

    public static void MapSnapCheckpoints(this RouteGroupBuilder group)
    {
        group.MapPost("/checkpoint/kubelet/checkpoint", Checkpoint).RequireRole(FleetRole.Operator).WithName("SnapKubeletCheckpoint")
            .WithSummary("Create checkpoint").Produces<CheckpointResponse>()
            .WithRequestExample(new { pod_name = "test-app", @namespace = "default", node_name = "worker-node-1", container_name = "test-app", cluster_name = "production-cluster" });
        group.MapGet("/checkpoint/list", List).RequireRole(FleetRole.Viewer).WithName("SnapListCheckpoints")
            .WithSummary("List checkpoints").Produces<CheckpointList>();
        group.MapGet("/checkpoint/download/{pod_name}/{filename}", Download).RequireRole(FleetRole.Viewer).WithName("SnapDownloadCheckpoint")
            .WithSummary("Download checkpoint").Produces(StatusCodes.Status200OK, contentType: "application/x-tar")
            .Produces(StatusCodes.Status206PartialContent, contentType: "application/x-tar").WithFamilyErrors(416);
    }

    private static async Task<IResult> Checkpoint(CheckpointRequest body, ClusterRegistry clusters, SnapCheckpointService checkpoints, CancellationToken ct)
    {
        var clusterName = Required(body.ClusterName, "cluster_name");
        var pod = Required(body.PodName, "pod_name");
        var container = Required(body.ContainerName, "container_name");
        var ns = string.IsNullOrWhiteSpace(body.Namespace) ? "default" : body.Namespace;
        var cluster = await clusters.GetByNameAsync(clusterName, ct);
        var r = await checkpoints.CheckpointAsync(new SnapCheckpointRequest(cluster.Id, ns, pod, container, body.NodeName), ct);
        return Results.Json(new CheckpointResponse(true, r.PodUid, r.ContainerId.Length > 0 ? [r.ContainerId] : [], r.ArchivePath,
            "Checkpoint created successfully", r.Id, r.NodeName, r.FileName, r.Size, r.Sha256, r.CreatedAt, DownloadUrl(r)));
    }

    private static async Task<IResult> List(int? limit, string? @continue, SnapCheckpointService checkpoints, CancellationToken ct)
    {
        if (limit is < 1 or > 500) throw FleetException.Validation("limit", "limit must be between 1 and 500");
        var page = await checkpoints.ListAsync(limit ?? 100, @continue, ct);
        return Results.Json(new CheckpointList(true, page.Items.Select(Item).ToList(), page.ContinuationToken));
    }

    /// <summary>The archive from Blob storage; ranges (206, 416) and Accept-Ranges come from ASP.NET Core's range handling on the seekable blob stream.</summary>
    private static async Task<IResult> Download(string pod_name, string filename, SnapCheckpointService checkpoints, CancellationToken ct)
    {
        if (pod_name is "." or ".." || filename is "." or ".." || filename.Contains("..") || filename.Contains('/') || filename.Contains('\\'))
            throw FleetException.Validation("filename", "pod_name and filename must be plain names");
        var record = await checkpoints.FindAsync(pod_name, filename, ct);
        var stream = await checkpoints.OpenArchiveAsync(record, ct);
        return Results.Stream(stream, "application/x-tar", record.FileName, enableRangeProcessing: true,
            entityTag: new Microsoft.Net.Http.Headers.EntityTagHeaderValue($"\"{record.Sha256}\""));
    }

    public static CheckpointItem Item(SnapCheckpointRecord r) => new(r.Id, r.PodName, r.Namespace, r.ContainerName, r.ClusterName, r.NodeName,
        r.FileName, r.ArchivePath, r.CreatedAt, HumanSize(r.Size), r.Size, r.Sha256, r.Status, r.Error);

    public static string DownloadUrl(SnapCheckpointRecord r) =>
        $"/api/snap/checkpoint/download/{Uri.EscapeDataString(r.PodName)}/{Uri.EscapeDataString(r.FileName)}";

    /// <summary>Sizes as the seed writes them ("150MB"): whole units from MB up, one decimal below 10.</summary>
    public static string HumanSize(long bytes)
    {
        string[] units = ["B", "KB", "MB", "GB", "TB"];
        double value = bytes;
        var unit = 0;
        while (value >= 1024 && unit < units.Length - 1) { value /= 1024; unit++; }
        return unit == 0 ? $"{bytes}B" : value < 10 ? $"{value:0.#}{units[unit]}" : $"{value:0}{units[unit]}";
    }

    private static string Required(string? value, string field) =>
        string.IsNullOrWhiteSpace(value) ? throw FleetException.Validation(field, $"{field} is required") : value;
}
