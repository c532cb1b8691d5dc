using Fleet.Core.Kubernetes;
using Fleet.Core.Platform.Errors;
using Fleet.Core.Snap;
using Fleet.Functions.Platform.Auth;
using Fleet.Functions.Platform.Contract;
using Fleet.Orchestrations.Snap;
using Microsoft.AspNetCore.Mvc;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Options;

namespace Fleet.Functions.Snap;

/// <summary>
/// The routes that build and push checkpoint images, each an orchestration: <c>checkpoint/kubelet/checkpoint-and-push</c>,
/// <c>registry/create_and_push_checkpoint_container</c> (an existing checkpoint) and <c>automation/trigger</c> (credentials in
/// the body: sealed under a short-lived reference before anything is scheduled).
/// </summary>
public static class SnapPushFunctions
{
    public sealed record CheckpointAndPushBody(string? Namespace = null, [property: Name] string? Cluster = null, [property: Name] string? Registry = null,
        string? ImageName = null, string? Tag = null);

    public sealed record CreateAndPushRequest(string? CheckpointName = null, string? Username = null, string? PodName = null,
        [property: Name] string? CheckpointConfigName = null, string? Checkpoint = null, string? Tag = null);

    public sealed record AutomationRequest(string? PodName = null, string? Namespace = null, string? NodeName = null, string? ContainerName = null,
        [property: Name] string? ClusterName = null, string? Registry = null, string? Username = null, string? Password = null,
        string? ImageName = null, string? Tag = null, bool? VerifySsl = null);

    public static void MapSnapPushes(this RouteGroupBuilder group)
    {
        group.MapPost("/checkpoint/kubelet/checkpoint-and-push", CheckpointAndPush).RequireRole(FleetRole.Operator).WithName("SnapCheckpointAndPush")
            .WithSummary("Create checkpoint and push")
            .WithRequestExample(new { @namespace = "default", cluster = "production-cluster", registry = "nexus-registry", image_name = "test-app-checkpoint", tag = "latest" })
            .Produces<SnapPushLongRun.PushDone>().Produces<SnapPushLongRun.PushAccepted>(StatusCodes.Status202Accepted);
        group.MapPost("/registry/create_and_push_checkpoint_container", CreateAndPush).RequireRole(FleetRole.Operator)
            .WithName("SnapCreateAndPushCheckpointContainer").WithSummary("Create and push checkpoint container")
            .WithRequestExample(new { checkpoint_name = "test-app-checkpoint", username = "admin", pod_name = "test-app", checkpoint_config_name = "default" })
            .Produces<SnapPushLongRun.PushDone>().Produces<SnapPushLongRun.PushAccepted>(StatusCodes.Status202Accepted);
        group.MapPost("/automation/trigger", Automation).RequireRole(FleetRole.Operator).WithName("SnapAutomationTrigger").WithSummary("Trigger automation")
            .WithRequestExample(new
            {
                pod_name = "test-app", @namespace = "default", node_name = "worker-node-1", container_name = "test-app", cluster_name = "production-cluster",
                registry = "localhost:5000", username = "admin", password = "password123",
            })
            .Produces<SnapPushLongRun.PushDone>().Produces<SnapPushLongRun.PushAccepted>(StatusCodes.Status202Accepted);
    }

    /// <summary>Query: pod_name, node_name, container_name, checkpoint_config_name; body: namespace, cluster, registry, image_name, tag.
    /// The registry config is <c>registry</c>, else <c>checkpoint_config_name</c>.</summary>
    private static async Task<IResult> CheckpointAndPush([FromQuery] string? pod_name, [FromQuery] string? node_name, [FromQuery] string? container_name,
        [FromQuery] string? checkpoint_config_name, CheckpointAndPushBody body, HttpRequest request, ClusterRegistry clusters,
        RegistryConfigService configs, DurableTaskClient durable, CancellationToken ct)
    {
        var pod = Required(pod_name, "pod_name");
        var container = Required(container_name, "container_name");
        var ns = string.IsNullOrWhiteSpace(body.Namespace) ? "default" : body.Namespace;
        var registryName = body.Registry ?? checkpoint_config_name;
        if (string.IsNullOrWhiteSpace(registryName)) throw FleetException.Validation("registry", "registry (a registry config name) is required");
        var repository = ImageNames.Repository(body.ImageName ?? ImageNames.Component(pod + "-checkpoint"), "image_name");
        var tag = ImageNames.Tag(body.Tag ?? "latest", "tag");
        var cluster = await clusters.GetByNameAsync(Required(body.Cluster, "cluster"), ct);
        await configs.GetAsync(registryName, ct, "registry");
        var id = NewOperationId();
        await durable.ScheduleNewOrchestrationInstanceAsync(nameof(SnapCheckpointAndPushOrchestrator),
            new SnapCheckpointAndPushInput(id, "Checkpoint and push", cluster.Id, ns, pod, container, node_name, RegistryRef.Config(registryName), repository, tag),
            new StartOrchestrationOptions(id), ct);
        return await SnapPushLongRun.RespondAsync(request, durable, id);
    }

    /// <summary>Pushes an existing checkpoint: <c>checkpoint</c> (id or pod/filename) or else the newest completed checkpoint of <c>pod_name</c>.
    /// The image is <c>{username}/{checkpoint_name}</c> in the registry config <c>checkpoint_config_name</c>.</summary>
    private static async Task<IResult> CreateAndPush(CreateAndPushRequest body, HttpRequest request, SnapCheckpointService checkpoints,
        RegistryConfigService configs, IOptions<SnapOptions> options, DurableTaskClient durable, CancellationToken ct)
    {
        var name = Required(body.CheckpointName, "checkpoint_name");
        var repository = ImageNames.Repository(string.IsNullOrWhiteSpace(body.Username) ? name : $"{body.Username}/{name}", "checkpoint_name");
        var tag = ImageNames.Tag(body.Tag ?? "latest", "tag");
        var configName = Required(body.CheckpointConfigName, "checkpoint_config_name");
        SnapCheckpointRecord record;
        if (!string.IsNullOrWhiteSpace(body.Checkpoint)) record = await checkpoints.ResolveAsync(body.Checkpoint, ct);
        else
        {
            var pod = Required(body.PodName, "pod_name");
            record = (await checkpoints.AllAsync(ct)).Where(c => c.PodName == pod && c.Status == SnapCheckpointStatus.Completed)
                .OrderByDescending(c => c.CreatedAt, StringComparer.Ordinal).FirstOrDefault()
                ?? throw SnapErrors.CheckpointNotFound($"{pod} (no completed checkpoint)");
        }
        await configs.GetAsync(configName, ct, "checkpoint_config_name");
        var id = NewOperationId();
        await durable.ScheduleNewOrchestrationInstanceAsync(nameof(SnapPushOrchestrator),
            new SnapPushRequest(id, "Create and Push Checkpoint Container", new ArchiveBlob(options.Value.BlobContainer, record.BlobName), record.ContainerName,
                RegistryRef.Config(configName), repository, tag, DateTimeOffset.UtcNow), new StartOrchestrationOptions(id), ct);
        return await SnapPushLongRun.RespondAsync(request, durable, id);
    }

    /// <summary>Checkpoint and push with credentials from the body: they are sealed (time-limited Data Protection, Table storage) and
    /// only the reference's id goes into the orchestration.</summary>
    private static async Task<IResult> Automation(AutomationRequest body, HttpRequest request, ClusterRegistry clusters, RegistryCredentialVault vault,
        DurableTaskClient durable, CancellationToken ct)
    {
        var pod = Required(body.PodName, "pod_name");
        var container = Required(body.ContainerName, "container_name");
        var ns = string.IsNullOrWhiteSpace(body.Namespace) ? "default" : body.Namespace;
        var url = RegistryTarget.ParseUrl(body.Registry)
                  ?? throw FleetException.Validation("registry", "registry must be a registry address: https://host[:port], http://host:port or host[:port]");
        if (body.Username is { Length: > 256 }) throw FleetException.Validation("username", "username is at most 256 characters");
        if (body.Password is { Length: > 1024 }) throw FleetException.Validation("password", "password is at most 1024 characters");
        var image = body.ImageName ?? ImageNames.Component(pod + "-checkpoint");
        var repository = ImageNames.Repository(string.IsNullOrWhiteSpace(body.Username) ? image : $"{body.Username.ToLowerInvariant()}/{image}", "image_name");
        var tag = ImageNames.Tag(body.Tag ?? "latest", "tag");
        var cluster = await clusters.GetByNameAsync(Required(body.ClusterName, "cluster_name"), ct);
        var reference = await vault.SealAsync(new RegistryTarget(url, NullIfEmpty(body.Username), NullIfEmpty(body.Password), body.VerifySsl ?? true), ct);
        var id = NewOperationId();
        await durable.ScheduleNewOrchestrationInstanceAsync(nameof(SnapCheckpointAndPushOrchestrator),
            new SnapCheckpointAndPushInput(id, "Automation", cluster.Id, ns, pod, container, body.NodeName, reference, repository, tag),
            new StartOrchestrationOptions(id), ct);
        return await SnapPushLongRun.RespondAsync(request, durable, id);
    }

    private static string NewOperationId() => "snap-" + Guid.NewGuid().ToString("N");

    private static string? NullIfEmpty(string? s) => string.IsNullOrEmpty(s) ? null : s;

    private static string Required(string? value, string field) =>
        string.IsNullOrWhiteSpace(value) ? throw FleetException.Validation(field, $"{field} is required") : value;
}
