using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Fleet.Core.Kubernetes;
using Fleet.Core.Kubilitics;
using Fleet.Core.Platform.Errors;
using Fleet.Core.Platform.Storage;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Fleet.Core.Snap;

/// <summary>
/// Container checkpoints through the kubelet: the checkpoint call goes through the API server's node proxy
/// (<c>POST /api/v1/nodes/{node}/proxy/checkpoint/{ns}/{pod}/{container}</c>), the archive the kubelet leaves on the node
/// is read by Fleet's agent (<see cref="SnapAgent"/>, exec <c>cat</c>) straight into Blob storage while it is hashed, the
/// agent's own <c>sha256sum</c> of the file must agree, and the checkpoint is recorded in Table storage
/// (<c>snapCheckpoints</c>). Callable from an activity: with a <see cref="SnapCheckpointRequest.CheckpointId"/> a retry
/// returns the completed checkpoint instead of taking another.
/// </summary>
public sealed partial class SnapCheckpointService(
    ClusterRegistry registry,
    SnapAgent agent,
    FleetStorage storage,
    IOptions<SnapOptions> options,
    ILogger<SnapCheckpointService> logger)
{
    public const string Table = "snapCheckpoints";

    private TableStore<SnapCheckpointEntity> Rows => storage.Table<SnapCheckpointEntity>(Table);

    /// <summary>A new checkpoint id that sorts newest first; orchestrations pass their current time and a NewGuid().</summary>
    public static string NewId(DateTimeOffset at, Guid random) =>
        $"ckpt-{DateTimeOffset.MaxValue.UtcTicks - at.UtcTicks:x15}-{random.ToString("N")[..8]}";

    public async Task<SnapCheckpointRecord> CheckpointAsync(SnapCheckpointRequest request, CancellationToken ct)
    {
        KubeNames.Check(request.Namespace, "namespace");
        KubeNames.Check(request.PodName, "pod_name");
        KubeNames.Check(request.ContainerName, "container_name");
        if (request.CheckpointId is { } given && !IdPattern().IsMatch(given))
            throw FleetException.Validation("checkpoint_id", "checkpoint_id must be 1-100 lower-case letters, digits and '-'");
        var cluster = await registry.GetAsync(request.ClusterId, ct);
        await storage.EnsureTableAsync(Table, ct);

        var id = request.CheckpointId ?? NewId(DateTimeOffset.UtcNow, Guid.NewGuid());
        if (await Rows.GetAsync(SnapCheckpointEntity.Partition, id, ct) is { Status: SnapCheckpointStatus.Completed } done)
            return SnapCheckpointRecord.From(done);

        var (node, podUid, containerId) = await CheckPodAsync(request, ct);
        var entity = new SnapCheckpointEntity
        {
            RowKey = id,
            ClusterId = cluster.Id,
            ClusterName = cluster.Name,
            NodeName = node,
            Namespace = request.Namespace,
            PodName = request.PodName,
            ContainerName = request.ContainerName,
            PodUid = podUid,
            ContainerId = containerId,
            CreatedAt = DateTimeOffset.UtcNow,
            Status = SnapCheckpointStatus.InProgress,
        };
        entity = await Rows.UpsertAsync(entity, ct);
        try
        {
            entity.ArchivePath = await KubeletCheckpointAsync(cluster.Id, node, request, ct);
            entity.FileName = entity.ArchivePath[(entity.ArchivePath.LastIndexOf('/') + 1)..];
            entity.BlobName = $"{cluster.Id}/{request.Namespace}/{request.PodName}/{entity.FileName}";
            entity = await Rows.UpdateAsync(entity, ct);

            var (size, sha) = await CopyOffNodeAsync(cluster.Id, node, entity.ArchivePath, entity.BlobName, ct);
            entity.Size = size;
            entity.Sha256 = sha;
            entity.Status = SnapCheckpointStatus.Completed;
            entity.CompletedAt = DateTimeOffset.UtcNow;
            entity = await Rows.UpdateAsync(entity, ct);
            logger.LogInformation("Checkpoint {Id} of {Namespace}/{Pod}/{Container} on {Node}: {Size} bytes", id, request.Namespace,
                request.PodName, request.ContainerName, node, size);
            return SnapCheckpointRecord.From(entity);
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            var error = e is FleetException f ? f.Message : "checkpoint failed";
            if (e is not FleetException) logger.LogError(e, "Checkpoint {Id} failed", id);
            entity.Status = SnapCheckpointStatus.Failed;
            entity.Error = error;
            entity.CompletedAt = DateTimeOffset.UtcNow;
            try { await Rows.UpsertAsync(entity, CancellationToken.None); }
            catch (Azure.RequestFailedException x) { logger.LogWarning(x, "Could not record failure of checkpoint {Id}", id); }
            if (e is FleetException) throw;
            throw SnapErrors.Failed(error, FleetErrorKind.Internal);
        }
    }

    /// <summary>The pod's node, after checking pod and container exist and the container runs (what the kubelet needs).</summary>
    private async Task<(string Node, string PodUid, string ContainerId)> CheckPodAsync(SnapCheckpointRequest request, CancellationToken ct)
    {
        V1Pod pod;
        try
        {
            pod = await registry.RunAsync(request.ClusterId, (k, t) => k.CoreV1.ReadNamespacedPodAsync(request.PodName, request.Namespace, cancellationToken: t), ct);
        }
        catch (FleetException e) when (e.Kind == FleetErrorKind.NotFound)
        {
            throw SnapErrors.PodNotFound(request.Namespace, request.PodName);
        }
        var names = pod.Spec.Containers.Select(c => c.Name).ToList();
        if (!names.Contains(request.ContainerName))
            throw SnapErrors.ContainerNotFound(request.Namespace, request.PodName, request.ContainerName, names);
        var node = pod.Spec.NodeName;
        if (string.IsNullOrEmpty(node))
            throw SnapErrors.Failed($"pod '{request.PodName}' is not scheduled on a node yet", FleetErrorKind.Conflict);
        if (!string.IsNullOrEmpty(request.NodeName) && request.NodeName != node)
            throw FleetException.Validation("node_name", $"pod '{request.PodName}' runs on node '{node}', not '{request.NodeName}'");
        var state = pod.Status?.ContainerStatuses?.FirstOrDefault(c => c.Name == request.ContainerName);
        if (pod.Status?.Phase != "Running" || state is { State.Running: null })
            throw SnapErrors.Failed($"container '{request.ContainerName}' of pod '{request.PodName}' is not running", FleetErrorKind.Conflict);
        return (node, pod.Metadata.Uid ?? "", state?.ContainerID ?? "");
    }

    /// <summary>The kubelet's checkpoint API through the node proxy; answers the archive's path on the node.</summary>
    private async Task<string> KubeletCheckpointAsync(string clusterId, string node, SnapCheckpointRequest r, CancellationToken ct)
    {
        var path = $"api/v1/nodes/{Uri.EscapeDataString(node)}/proxy/checkpoint/{r.Namespace}/{r.PodName}/{r.ContainerName}";
        JsonNode? answer;
        try
        {
            answer = await registry.ExecuteAsync(clusterId, (k, t) => ((FleetKubernetes)k).SendJsonAsync(HttpMethod.Post, path, null, null, t), ct);
        }
        catch (HttpOperationException e)
        {
            var status = (int)e.Response.StatusCode;
            var text = (e.Response.Content ?? "").Trim();
            if (text.Length > 300) text = text[..300];
            throw status switch
            {
                404 when text.Contains("page not found") => SnapErrors.Failed(
                    $"the kubelet on node '{node}' has no checkpoint API (is the ContainerCheckpoint feature gate on?)", FleetErrorKind.Conflict),
                401 or 403 => SnapErrors.Failed($"the cluster refused the checkpoint call (needs nodes/proxy and nodes/checkpoint create): {text}", FleetErrorKind.Forbidden),
                _ => SnapErrors.Failed($"the kubelet on node '{node}' answered {status}: {text}"),
            };
        }
        catch (System.Text.Json.JsonException)
        {
            throw SnapErrors.Failed($"the kubelet on node '{node}' did not answer JSON to the checkpoint call");
        }
        var archive = (answer?["items"] as JsonArray)?.FirstOrDefault()?.GetValue<string>();
        if (archive is null || !ArchivePathPattern().IsMatch(archive) || archive.Contains(".."))
            throw SnapErrors.Failed($"the kubelet on node '{node}' answered no archive path under {SnapAgent.CheckpointDirectory}");
        return archive;
    }

    /// <summary>Streams the archive from the node (agent exec <c>cat</c>) into Blob storage, hashing it; the agent's sha256sum must agree.</summary>
    private async Task<(long Size, string Sha256)> CopyOffNodeAsync(string clusterId, string node, string archivePath, string blobName, CancellationToken ct)
    {
        await agent.EnsureAsync(clusterId, ct);
        var pod = await agent.PodOnNodeAsync(clusterId, node, ct);
        var blob = (await storage.ContainerAsync(options.Value.BlobContainer, ct)).GetBlobClient(blobName);
        long size = 0;
        var sha = "";
        var copy = await agent.ExecAsync(clusterId, pod, ["cat", archivePath], async (stdout, t) =>
        {
            await using var hashing = new HashingStream(stdout);
            await blob.UploadAsync(hashing, new BlobUploadOptions
            {
                HttpHeaders = new BlobHttpHeaders { ContentType = "application/x-tar" },
                Metadata = new Dictionary<string, string> { ["node"] = node, ["archivepath"] = archivePath },
            }, t);
            size = hashing.BytesRead;
            sha = hashing.Sha256Hex();
        }, ct);
        if (copy.ExitCode != 0)
        {
            await blob.DeleteIfExistsAsync(cancellationToken: CancellationToken.None);
            throw SnapErrors.Failed($"reading {archivePath} on node '{node}' failed (exit {copy.ExitCode}): {Trim(copy.Stderr)}");
        }
        var check = await agent.ExecAsync(clusterId, pod, ["sha256sum", archivePath], null, ct);
        var nodeSha = System.Text.Encoding.ASCII.GetString(check.Stdout).Split(' ', 2)[0].Trim();
        if (check.ExitCode != 0 || nodeSha != sha)
        {
            await blob.DeleteIfExistsAsync(cancellationToken: CancellationToken.None);
            throw SnapErrors.Failed($"the archive copied from node '{node}' does not match the node's sha256 ({Trim(check.Stderr)})");
        }
        return (size, sha);
    }

    private static string Trim(string s) => s.Length > 200 ? s[..200] : s.Trim();

    public async Task<SnapCheckpointRecord> GetAsync(string checkpointId, CancellationToken ct)
    {
        await storage.EnsureTableAsync(Table, ct);
        var e = await Rows.GetAsync(SnapCheckpointEntity.Partition, checkpointId, ct) ?? throw SnapErrors.CheckpointNotFound(checkpointId);
        return SnapCheckpointRecord.From(e);
    }

    /// <summary>The completed checkpoint of <paramref name="podName"/> whose archive is named <paramref name="fileName"/>.</summary>
    public async Task<SnapCheckpointRecord> FindAsync(string podName, string fileName, CancellationToken ct)
    {
        await storage.EnsureTableAsync(Table, ct);
        var filter = Azure.Data.Tables.TableClient.CreateQueryFilter<SnapCheckpointEntity>(e =>
            e.PartitionKey == SnapCheckpointEntity.Partition && e.PodName == podName && e.FileName == fileName && e.Status == SnapCheckpointStatus.Completed);
        await foreach (var e in Rows.QueryAllAsync(filter, ct)) return SnapCheckpointRecord.From(e);
        throw SnapErrors.CheckpointNotFound($"{podName}/{fileName}");
    }

    /// <summary>A completed checkpoint named by its id, its node archive path, or <c>pod/filename</c>.</summary>
    public async Task<SnapCheckpointRecord> ResolveAsync(string reference, CancellationToken ct)
    {
        if (IdPattern().IsMatch(reference) && reference.StartsWith("ckpt-", StringComparison.Ordinal))
        {
            var byId = await GetAsync(reference, ct);
            if (byId.Status == SnapCheckpointStatus.Completed) return byId;
            throw SnapErrors.CheckpointNotFound(reference);
        }
        await storage.EnsureTableAsync(Table, ct);
        var filter = Azure.Data.Tables.TableClient.CreateQueryFilter<SnapCheckpointEntity>(e =>
            e.PartitionKey == SnapCheckpointEntity.Partition && e.ArchivePath == reference && e.Status == SnapCheckpointStatus.Completed);
        await foreach (var e in Rows.QueryAllAsync(filter, ct)) return SnapCheckpointRecord.From(e);
        var slash = reference.IndexOf('/');
        if (slash > 0 && slash == reference.LastIndexOf('/'))
            return await FindAsync(reference[..slash], reference[(slash + 1)..], ct);
        throw SnapErrors.CheckpointNotFound(reference);
    }

    /// <summary>A page of checkpoints, newest first.</summary>
    public async Task<TablePage<SnapCheckpointRecord>> ListAsync(int pageSize, string? continuation, CancellationToken ct)
    {
        await storage.EnsureTableAsync(Table, ct);
        var page = await Rows.QueryPageAsync($"PartitionKey eq '{SnapCheckpointEntity.Partition}'", pageSize, continuation, ct);
        return new TablePage<SnapCheckpointRecord>(page.Items.Select(SnapCheckpointRecord.From).ToList(), page.ContinuationToken);
    }

    /// <summary>Every checkpoint (for statistics); bounded by what a fleet keeps.</summary>
    public async Task<IReadOnlyList<SnapCheckpointRecord>> AllAsync(CancellationToken ct)
    {
        await storage.EnsureTableAsync(Table, ct);
        var list = new List<SnapCheckpointRecord>();
        await foreach (var e in Rows.QueryAllAsync($"PartitionKey eq '{SnapCheckpointEntity.Partition}'", ct)) list.Add(SnapCheckpointRecord.From(e));
        return list;
    }

    /// <summary>The archive in Blob storage of a completed checkpoint: a seekable stream (ranges), disposed by the caller.</summary>
    public async Task<Stream> OpenArchiveAsync(string checkpointId, CancellationToken ct)
    {
        var record = await GetAsync(checkpointId, ct);
        return await OpenArchiveAsync(record, ct);
    }

    public async Task<Stream> OpenArchiveAsync(SnapCheckpointRecord record, CancellationToken ct)
    {
        if (record.Status != SnapCheckpointStatus.Completed) throw SnapErrors.CheckpointNotFound(record.Id);
        var blob = (await storage.ContainerAsync(options.Value.BlobContainer, ct)).GetBlobClient(record.BlobName);
        try
        {
            return await blob.OpenReadAsync(new BlobOpenReadOptions(allowModifications: false), ct);
        }
        catch (Azure.RequestFailedException e) when (e.Status == 404)
        {
            throw SnapErrors.CheckpointNotFound(record.Id);
        }
    }

    [GeneratedRegex("^[a-z0-9][a-z0-9-]{0,99}$")]
    private static partial Regex IdPattern();

    [GeneratedRegex(@"^/var/lib/kubelet/checkpoints/[A-Za-z0-9._:+-]+$")]
    private static partial Regex ArchivePathPattern();
}
