using Fleet.Core.Kubernetes;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Fleet.Core.Snap.Operator;

/// <summary>
/// One watcher's pod watch, as an informer runs it: list (every pod already there counts as added), then watch from the
/// list's resourceVersion; the watch reopens from the last resourceVersion seen, which is saved in the watcher's row so a
/// host that takes over (after a restart, or another host after this one died) resumes where it stood; 410 Gone lists
/// again. A pod annotated <c>snap.io/checkpoint: "true"</c>, running, not being deleted and not yet taken up by this watch
/// is recorded (<c>snapWatcherPods</c>, by uid) and handed to the pod orchestration (checkpoint and push each container,
/// then delete it when <c>auto_delete_pod</c>); the watch never waits for it.
/// </summary>
public sealed class SnapWatchLoop(ClusterRegistry clusters, SnapWatcherStore store, DurableTaskClient durable, IOptions<SnapWatcherOptions> options,
    ILogger<SnapWatchLoop> log)
{
    public const string Annotation = "snap.io/checkpoint";
    private ClusterRegistry Clusters { get; } = clusters;
    private SnapWatcherStore Store { get; } = store;
    private DurableTaskClient Durable { get; } = durable;
    private SnapWatcherOptions Options { get; } = options.Value;
    private ILogger Log { get; } = log;
    private static readonly TimeSpan SaveEvery = TimeSpan.FromSeconds(5);

    /// <summary>Whether the watcher takes this pod up (scope aside: the watch itself is namespaced for scope <c>namespace</c>).</summary>
    public static bool Eligible(V1Pod pod) =>
        pod.Metadata?.Annotations?.TryGetValue(Annotation, out var v) == true && string.Equals(v, "true", StringComparison.OrdinalIgnoreCase)
        && pod.Metadata.DeletionTimestamp is null && !string.IsNullOrEmpty(pod.Metadata.Uid)
        && pod.Status?.Phase == "Running" && !string.IsNullOrEmpty(pod.Spec?.NodeName)
        && pod.Spec.Containers is { Count: > 0 }
        && (pod.Status.ContainerStatuses ?? []).All(s => s.State?.Running is not null);

    public async Task RunAsync(string fleet, SnapWatcherEntity watcher, CancellationToken ct)
    {
        var run = new Run(this, fleet, watcher);
        try
        {
            await run.LoopAsync(ct);
        }
        catch (WatcherStopped)
        {
            Log.LogInformation("SnapWatcher of cluster {Cluster} was stopped; its watch ends", watcher.ClusterName);
        }
    }

    private sealed class WatcherStopped : Exception;

    private sealed class Run(SnapWatchLoop o, string fleet, SnapWatcherEntity w)
    {
        private readonly HashSet<string> _handled = new(StringComparer.Ordinal);
        private readonly string _repositoryBase = ImageNames.Repository(o.Options.RepositoryPrefix.Trim('/'), "Snap:Operator:RepositoryPrefix");
        private string? _rv = string.IsNullOrEmpty(w.ResourceVersion) ? null : w.ResourceVersion;
        private string? _savedRv = string.IsNullOrEmpty(w.ResourceVersion) ? null : w.ResourceVersion;
        private DateTimeOffset _savedAt = DateTimeOffset.UtcNow;

        public async Task LoopAsync(CancellationToken ct)
        {
            IKubernetes? client = null;
            var failures = 0;
            try
            {
                while (!ct.IsCancellationRequested)
                {
                    try
                    {
                        client ??= await o.Clusters.StreamingClientAsync(w.RowKey, ct);
                        if (_rv is null)
                        {
                            var list = w.Scope == SnapWatcherScope.Namespace
                                ? await client.CoreV1.ListNamespacedPodAsync(w.Namespace, cancellationToken: ct)
                                : await client.CoreV1.ListPodForAllNamespacesAsync(cancellationToken: ct);
                            foreach (var pod in list.Items) await ConsiderAsync(pod, ct);
                            _rv = list.Metadata?.ResourceVersion ?? "";
                            await SaveAsync(force: true, null, ct);
                        }
                        var gone = false;
                        var events = w.Scope == SnapWatcherScope.Namespace
                            ? client.CoreV1.WatchListNamespacedPodAsync(w.Namespace, allowWatchBookmarks: true, resourceVersion: _rv,
                                timeoutSeconds: o.Options.WatchTimeoutSeconds, onError: e => gone |= IsGone(e), cancellationToken: ct)
                            : client.CoreV1.WatchListPodForAllNamespacesAsync(allowWatchBookmarks: true, resourceVersion: _rv,
                                timeoutSeconds: o.Options.WatchTimeoutSeconds, onError: e => gone |= IsGone(e), cancellationToken: ct);
                        await foreach (var (type, pod) in events)
                        {
                            if (type == WatchEventType.Error) { gone = true; break; }
                            failures = 0;
                            if (pod?.Metadata?.ResourceVersion is { Length: > 0 } rv) _rv = rv;
                            var took = type is WatchEventType.Added or WatchEventType.Modified && pod is not null && await ConsiderAsync(pod, ct);
                            await SaveAsync(force: took, null, ct);
                        }
                        if (gone)
                        {
                            o.Log.LogInformation("SnapWatcher of cluster {Cluster}: resourceVersion {Rv} expired (410); listing again", w.ClusterName, _rv);
                            _rv = null;
                        }
                        else await SaveAsync(force: false, null, ct);
                    }
                    catch (OperationCanceledException) when (ct.IsCancellationRequested) { break; }
                    catch (WatcherStopped) { throw; }
                    catch (Exception e) when (IsGone(e)) { _rv = null; }
                    catch (Exception e)
                    {
                        failures++;
                        o.Log.LogWarning("SnapWatcher of cluster {Cluster}: watch failed ({Error}: {Message}); retrying", w.ClusterName,
                            e.GetType().Name, e.Message);
                        if (failures > 3) { client?.Dispose(); client = null; }
                        try { await SaveAsync(force: true, $"{DateTimeOffset.UtcNow:yyyy-MM-ddTHH:mm:ssZ} {e.GetType().Name}: {e.Message}", ct); }
                        catch (Exception x) when (x is not WatcherStopped and not OperationCanceledException) { }
                        await Task.Delay(TimeSpan.FromSeconds(Math.Min(30, failures)), ct).ContinueWith(_ => { });
                    }
                }
            }
            finally
            {
                client?.Dispose();
            }
        }

        /// <summary>Takes the pod up when it qualifies; idempotent across restarts (the pod row, then the orchestration's fixed id).</summary>
        private async Task<bool> ConsiderAsync(V1Pod pod, CancellationToken ct)
        {
            if (!Eligible(pod)) return false;
            var uid = pod.Metadata.Uid;
            if (_handled.Contains(uid)) return false;
            var row = await o.Store.GetPodAsync(w.WatchId, uid, ct);
            if (row is { State: not SnapWatcherPodState.InProgress })
            {
                _handled.Add(uid);
                return false;
            }
            if (!await o.Store.IsActiveAsync(fleet, w.RowKey, w.WatchId, ct)) throw new WatcherStopped();
            var id = SnapWatcherPodInput.InstanceId(w.WatchId, uid);
            var containers = pod.Spec.Containers.Select(c => c.Name).ToList();
            if (row is null)
                await o.Store.AddPodAsync(new SnapWatcherPodEntity
                {
                    PartitionKey = w.WatchId, RowKey = uid, Namespace = pod.Metadata.NamespaceProperty, PodName = pod.Metadata.Name,
                    InstanceId = id, Containers = containers.Count, SeenAt = DateTimeOffset.UtcNow,
                }, ct);
            // A host that died between the row and the schedule left the row alone: the orchestration's id tells.
            if (await o.Durable.GetInstanceAsync(id, ct) is null)
            {
                var repository = $"{_repositoryBase}/{ImageNames.Component(pod.Metadata.NamespaceProperty)}/{ImageNames.Component(pod.Metadata.Name)}";
                await o.Durable.ScheduleNewOrchestrationInstanceAsync(SnapWatcherPodInput.Orchestrator,
                    new SnapWatcherPodInput(w.WatchId, w.RowKey, pod.Metadata.NamespaceProperty, pod.Metadata.Name, uid, containers,
                        RegistryRef.Config(w.RegistryConfig), ImageNames.Repository(repository, "repository"), w.AutoDeletePod),
                    new StartOrchestrationOptions(id), ct);
                o.Log.LogInformation("SnapWatcher of cluster {Cluster}: checkpointing pod {Namespace}/{Pod} ({Containers} containers)",
                    w.ClusterName, pod.Metadata.NamespaceProperty, pod.Metadata.Name, containers.Count);
            }
            _handled.Add(uid);
            return true;
        }

        /// <summary>Saves the resourceVersion (after a pod was taken up, else at most every few seconds) and the last error.</summary>
        private async Task SaveAsync(bool force, string? error, CancellationToken ct)
        {
            if (error is null && (_rv is null || _rv == _savedRv || (!force && DateTimeOffset.UtcNow - _savedAt < SaveEvery))) return;
            var rv = _rv;
            if (!await o.Store.UpdateAsync(fleet, w.RowKey, w.WatchId, e =>
                {
                    if (rv is not null) e.ResourceVersion = rv;
                    if (error is not null) e.LastError = error.Length > 1000 ? error[..1000] : error;
                }, ct))
                throw new WatcherStopped();
            _savedRv = rv;
            _savedAt = DateTimeOffset.UtcNow;
        }

        private static bool IsGone(Exception e) =>
            e is KubernetesException { Status.Code: 410 } || e is HttpOperationException { Response.StatusCode: System.Net.HttpStatusCode.Gone };
    }
}
