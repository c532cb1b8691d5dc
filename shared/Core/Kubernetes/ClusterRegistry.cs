using System.Security.Cryptography;
using System.Text;
using Azure.Data.Tables;
using Fleet.Core.Platform.Errors;
using Fleet.Core.Platform.Storage;
using k8s;
using k8s.KubeConfigModels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Fleet.Core.Kubernetes;

/// <summary>
/// The one registry of clusters every family uses (Kubilitics clusters, SNAP cluster configs,
/// the cluster KubeEdge's CloudCore runs in). A cluster is saved only after its API server answered.
/// </summary>
public sealed class ClusterRegistry(
    FleetStorage storage,
    KubeconfigVault vault,
    ClusterConnections connections,
    IOptions<KubernetesOptions> options,
    ILogger<ClusterRegistry> logger,
    IEnumerable<IClusterRemovedListener>? removedListeners = null)
{
    public const string Table = "platformClusters";
    private TableClient Rows => storage.Tables.GetTableClient(Table);

    public async Task<Cluster> AddAsync(ClusterRegistration registration, CancellationToken ct)
    {
        var (yaml, field) = ReadKubeconfig(registration);
        var config = KubeconfigParser.Parse(yaml, field);
        var context = KubeconfigParser.ChooseContext(config, registration.Context);
        var server = KubeconfigParser.ServerOf(config, context);
        CheckExpectedServer(registration.ExpectedServerUrl, server);
        var name = string.IsNullOrWhiteSpace(registration.Name) ? context : registration.Name.Trim();
        ValidateName(name);
        await storage.EnsureTableAsync(Table, ct);
        if ((await Rows.GetEntityIfExistsAsync<ClusterNameEntity>(ClusterEntity.NamePartition, name, cancellationToken: ct)).HasValue)
            throw FleetException.Conflict($"a cluster named '{name}' already exists", "CONFLICT");

        // Test the connection before anything is written: an unreachable cluster is never saved.
        var probe = await ProbeAsync(config, context, ct);

        var entity = new ClusterEntity
        {
            RowKey = Guid.NewGuid().ToString(),
            Name = name,
            Context = context,
            ServerUrl = server,
            Version = probe.Version,
            Status = ClusterStatus.Connected,
            Provider = ProviderDetector.Detect(server, context, probe.Version, probe.NodeLabels, probe.ProviderIds),
            AuthType = registration.AuthType,
            RegistryName = registration.RegistryName,
            CreatedAt = DateTimeOffset.UtcNow,
            LastConnected = DateTimeOffset.UtcNow,
        };
        await vault.StoreAsync(entity, yaml, ct);
        try
        {
            await Rows.SubmitTransactionAsync(
            [
                new TableTransactionAction(TableTransactionActionType.Add, entity),
                new TableTransactionAction(TableTransactionActionType.Add, new ClusterNameEntity { RowKey = name, ClusterId = entity.RowKey }),
            ], ct);
        }
        catch (TableTransactionFailedException e) when (e.Status == 409)
        {
            await vault.DeleteAsync(entity, CancellationToken.None);
            throw FleetException.Conflict($"a cluster named '{name}' already exists", "CONFLICT");
        }
        catch
        {
            // Nothing written when the rows could not be: the stored kubeconfig goes too.
            await vault.DeleteAsync(entity, CancellationToken.None);
            throw;
        }
        return Cluster.From(entity);
    }

    public async Task<IReadOnlyList<Cluster>> ListAsync(CancellationToken ct)
    {
        await storage.EnsureTableAsync(Table, ct);
        var list = new List<Cluster>();
        await foreach (var e in Rows.QueryAsync<ClusterEntity>(x => x.PartitionKey == ClusterEntity.ClusterPartition, cancellationToken: ct))
            list.Add(Cluster.From(e));
        return list.OrderBy(c => c.CreatedAt).ToList();
    }

    public async Task<Cluster> GetAsync(string clusterId, CancellationToken ct) => Cluster.From(await EntityAsync(clusterId, ct));

    public async Task<Cluster> GetByNameAsync(string name, CancellationToken ct)
    {
        // A name Table storage could not hold names no cluster.
        if (!TableKeys.IsValid(name)) throw NotFound(name.Length > 64 ? name[..64] + "…" : name, "CLUSTER_NOT_FOUND");
        await storage.EnsureTableAsync(Table, ct);
        var row = await Rows.GetEntityIfExistsAsync<ClusterNameEntity>(ClusterEntity.NamePartition, name, cancellationToken: ct);
        if (!row.HasValue) throw NotFound(name, "CLUSTER_NOT_FOUND");
        return await GetAsync(row.Value!.ClusterId, ct);
    }

    public async Task RemoveAsync(string clusterId, CancellationToken ct)
    {
        var entity = await EntityAsync(clusterId, ct);
        await Rows.SubmitTransactionAsync(
        [
            new TableTransactionAction(TableTransactionActionType.Delete, entity, entity.ETag),
            new TableTransactionAction(TableTransactionActionType.Delete, new ClusterNameEntity { RowKey = entity.Name }, Azure.ETag.All),
        ], ct);
        await vault.DeleteAsync(entity, ct);
        await connections.ForgetAsync(clusterId, ct);
        foreach (var listener in removedListeners ?? []) await listener.ClusterRemovedAsync(clusterId, ct);
    }

    /// <summary>
    /// The cluster's stored kubeconfig cut down to its one context (that context's cluster and user only):
    /// for a download, or a private file for kubectl. Holds credentials: never log it.
    /// </summary>
    public async Task<SingleContextKubeconfig> SingleContextKubeconfigAsync(string clusterId, CancellationToken ct)
    {
        var entity = await EntityAsync(clusterId, ct);
        var config = KubeconfigParser.Parse(await ReadStoredAsync(entity, ct), "kubeconfig");
        var context = config.Contexts.First(c => c.Name == entity.Context);
        var one = new K8SConfiguration
        {
            ApiVersion = "v1",
            Kind = "Config",
            CurrentContext = context.Name,
            Contexts = [context],
            Clusters = (config.Clusters ?? []).Where(c => c.Name == context.ContextDetails?.Cluster).ToList(),
            Users = (config.Users ?? []).Where(u => u.Name == context.ContextDetails?.User).ToList(),
        };
        return new SingleContextKubeconfig(Cluster.From(entity), one, KubernetesYaml.Serialize(one));
    }

    /// <summary>
    /// A client of its own for a long-lived stream (watch, log follow, exec): no request timeout and no breaker,
    /// which are for short calls. The caller disposes it.
    /// </summary>
    public async Task<IKubernetes> StreamingClientAsync(string clusterId, CancellationToken ct)
    {
        var entity = await EntityAsync(clusterId, ct);
        var config = KubeconfigParser.Parse(await ReadStoredAsync(entity, ct), "kubeconfig");
        var clientConfig = KubeconfigParser.ClientConfiguration(config, entity.Context, Timeout.InfiniteTimeSpan);
        return new k8s.Kubernetes(clientConfig);
    }

    private async Task<string> ReadStoredAsync(ClusterEntity entity, CancellationToken ct)
    {
        try
        {
            return await vault.ReadAsync(entity, ct);
        }
        catch (System.Security.Cryptography.CryptographicException)
        {
            throw new FleetException(FleetErrorKind.Unavailable, $"The stored kubeconfig of cluster '{entity.Name}' cannot be decrypted; remove and add the cluster again");
        }
    }

    /// <summary>Replaces a cluster's kubeconfig and/or settings; a new kubeconfig is tested first.</summary>
    public async Task<Cluster> UpdateAsync(string clusterId, ClusterRegistration change, CancellationToken ct)
    {
        var entity = await EntityAsync(clusterId, ct);
        if (change.KubeconfigBase64 is not null || change.KubeconfigPath is not null)
        {
            var (yaml, field) = ReadKubeconfig(change);
            var config = KubeconfigParser.Parse(yaml, field);
            var context = KubeconfigParser.ChooseContext(config, change.Context ?? entity.Context);
            CheckExpectedServer(change.ExpectedServerUrl, KubeconfigParser.ServerOf(config, context));
            var probe = await ProbeAsync(config, context, ct);
            entity.Context = context;
            entity.ServerUrl = KubeconfigParser.ServerOf(config, context);
            entity.Version = probe.Version;
            entity.Status = ClusterStatus.Connected;
            entity.LastConnected = DateTimeOffset.UtcNow;
            entity.Provider = ProviderDetector.Detect(entity.ServerUrl, context, probe.Version, probe.NodeLabels, probe.ProviderIds);
            await vault.StoreAsync(entity, yaml, ct);
            await connections.ForgetAsync(clusterId, ct);
        }
        if (change.RegistryName is not null) entity.RegistryName = change.RegistryName;
        entity.AuthType = change.AuthType;
        try
        {
            await Rows.UpdateEntityAsync(entity, entity.ETag, TableUpdateMode.Replace, ct);
        }
        catch (Azure.RequestFailedException e) when (e.Status == 412)
        {
            throw FleetException.Conflict($"cluster '{entity.Name}' was changed by another request; retry");
        }
        return Cluster.From(await EntityAsync(clusterId, ct));
    }

    /// <summary>Calls the cluster's API server through its cached client, breaker and timeout.</summary>
    public async Task<T> ExecuteAsync<T>(string clusterId, Func<IKubernetes, CancellationToken, Task<T>> call, CancellationToken ct)
    {
        var entity = await EntityAsync(clusterId, ct);
        string yaml;
        try
        {
            yaml = await vault.ReadAsync(entity, ct);
        }
        catch (System.Security.Cryptography.CryptographicException)
        {
            // The key that sealed it is gone (a storage account moved between key rings): the cluster must be re-registered.
            throw new FleetException(FleetErrorKind.Unavailable, $"The stored kubeconfig of cluster '{entity.Name}' cannot be decrypted; remove and add the cluster again");
        }
        var config = KubeconfigParser.Parse(yaml, "kubeconfig");
        var clientConfig = KubeconfigParser.ClientConfiguration(config, entity.Context, options.Value.RequestTimeout);
        return await connections.ExecuteAsync(clusterId, clientConfig, Fingerprint(yaml, entity.Context), call, ct);
    }

    /// <summary>Refreshes status, version and last_connected of every cluster (the health sweep).</summary>
    public async Task<int> RefreshAllAsync(CancellationToken ct)
    {
        var refreshed = 0;
        await storage.EnsureTableAsync(Table, ct);
        await foreach (var e in Rows.QueryAsync<ClusterEntity>(x => x.PartitionKey == ClusterEntity.ClusterPartition, cancellationToken: ct))
        {
            try
            {
                await RefreshAsync(e.RowKey, ct);
                refreshed++;
            }
            catch (FleetException x) when (x.Kind == FleetErrorKind.NotFound)
            {
                // Removed while the sweep ran: nothing left to refresh.
            }
        }
        return refreshed;
    }

    public async Task<Cluster> RefreshAsync(string clusterId, CancellationToken ct)
    {
        string? version = null;
        string? error = null;
        try
        {
            version = (await ExecuteAsync(clusterId, (c, t) => c.Version.GetCodeAsync(t), ct)).GitVersion;
        }
        catch (FleetException e) when (e.Kind is FleetErrorKind.Unavailable or FleetErrorKind.UpstreamTimeout or FleetErrorKind.UpstreamUnreachable or FleetErrorKind.Validation)
        {
            error = e.Message;
        }
        catch (k8s.Autorest.HttpOperationException e)
        {
            error = $"API server answered {(int)e.Response.StatusCode}";
        }

        // Last writer wins is fine for health fields, but keep the ETag so a concurrent edit of settings is not undone.
        for (var attempt = 0; attempt < 3; attempt++)
        {
            var entity = await EntityAsync(clusterId, ct);
            entity.Status = error is null ? ClusterStatus.Connected : ClusterStatus.Disconnected;
            entity.LastError = error;
            if (version is not null)
            {
                entity.Version = version;
                entity.LastConnected = DateTimeOffset.UtcNow;
            }
            try
            {
                await Rows.UpdateEntityAsync(entity, entity.ETag, TableUpdateMode.Replace, ct);
                if (error is not null) logger.LogWarning("Cluster {Cluster} unreachable: {Error}", entity.Name, error);
                return Cluster.From(entity);
            }
            catch (Azure.RequestFailedException e) when (e.Status == 412) { }
            // Removed between the read and the write: as if it had been gone before the refresh.
            catch (Azure.RequestFailedException e) when (e.Status == 404) { throw NotFound(clusterId, "CLUSTER_NOT_FOUND"); }
        }
        return await GetAsync(clusterId, ct);
    }

    /// <summary>Contexts in the default kubeconfig (<c>KUBECONFIG</c>, else ~/.kube/config).</summary>
    public static IReadOnlyList<DiscoveredCluster> Discover()
    {
        var paths = (Environment.GetEnvironmentVariable("KUBECONFIG") is { Length: > 0 } env
                ? env.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
                : [Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".kube", "config")])
            .Where(File.Exists);
        var found = new List<DiscoveredCluster>();
        foreach (var path in paths)
        {
            K8SConfiguration config;
            try { config = KubeconfigParser.Parse(File.ReadAllText(path), "kubeconfig"); }
            catch (FleetException) { continue; }
            foreach (var ctx in config.Contexts)
            {
                var server = config.Clusters?.FirstOrDefault(c => c.Name == ctx.ContextDetails?.Cluster)?.ClusterEndpoint?.Server ?? "";
                if (found.All(f => f.Context != ctx.Name)) found.Add(new DiscoveredCluster(ctx.Name, ctx.Name, server));
            }
        }
        return found;
    }

    private sealed record Probe(string Version, IReadOnlyList<IDictionary<string, string>> NodeLabels, IReadOnlyList<string> ProviderIds);

    private async Task<Probe> ProbeAsync(K8SConfiguration config, string context, CancellationToken ct)
    {
        var clientConfig = KubeconfigParser.ClientConfiguration(config, context, options.Value.RequestTimeout);
        using var client = new k8s.Kubernetes(clientConfig);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(options.Value.RequestTimeout);
        try
        {
            var version = await client.Version.GetCodeAsync(timeout.Token);
            IReadOnlyList<IDictionary<string, string>> labels = [];
            IReadOnlyList<string> providerIds = [];
            try
            {
                var nodes = await client.CoreV1.ListNodeAsync(limit: 20, cancellationToken: timeout.Token);
                labels = nodes.Items.Select(n => n.Metadata.Labels ?? new Dictionary<string, string>()).ToList();
                providerIds = nodes.Items.Select(n => n.Spec?.ProviderID).OfType<string>().ToList();
            }
            catch (k8s.Autorest.HttpOperationException)
            {
                // Node labels only sharpen the provider guess; a kubeconfig without node list rights is still fine.
            }
            return new Probe(version.GitVersion, labels, providerIds);
        }
        catch (k8s.Autorest.HttpOperationException e) when ((int)e.Response.StatusCode is 401 or 403)
        {
            throw new FleetException(FleetErrorKind.Validation, $"the cluster refused the kubeconfig's credentials ({(int)e.Response.StatusCode})", "kubeconfig");
        }
        catch (k8s.Autorest.HttpOperationException e)
        {
            throw new FleetException(FleetErrorKind.UpstreamUnreachable, $"the cluster's API server answered {(int)e.Response.StatusCode} to /version");
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or OperationCanceledException && !ct.IsCancellationRequested)
        {
            throw new FleetException(FleetErrorKind.UpstreamUnreachable, $"cannot reach the cluster's API server: {e.Message}");
        }
    }

    private (string Yaml, string Field) ReadKubeconfig(ClusterRegistration r)
    {
        var b64 = r.Base64Field;
        if (!string.IsNullOrWhiteSpace(r.KubeconfigBase64) && !string.IsNullOrWhiteSpace(r.KubeconfigPath))
            throw FleetException.Validation("kubeconfig_path", $"give either kubeconfig_path or {b64}, not both");
        if (!string.IsNullOrWhiteSpace(r.KubeconfigBase64))
            return (KubeconfigParser.DecodeBase64(r.KubeconfigBase64, b64), b64);
        if (!string.IsNullOrWhiteSpace(r.KubeconfigPath))
            return (KubeconfigParser.ReadPath(r.KubeconfigPath, options.Value.KubeconfigDirectory), "kubeconfig_path");
        throw FleetException.Validation(b64 == "kubeconfig_base64" ? "kubeconfig_path" : b64, $"kubeconfig_path or {b64} is required");
    }

    /// <summary>A server URL given beside the kubeconfig must agree with it, or the caller is registering something else than they think.</summary>
    private static void CheckExpectedServer(string? expected, string actual)
    {
        if (expected is not null && !string.Equals(expected.TrimEnd('/'), actual.TrimEnd('/'), StringComparison.OrdinalIgnoreCase))
            throw FleetException.Validation("api_server_url", $"api_server_url '{expected}' does not match the kubeconfig's server '{actual}'");
    }

    private static void ValidateName(string name)
    {
        if (name.Length > 253 || name.Any(c => char.IsControl(c) || c is '/' or '\\' or '#' or '?'))
            throw FleetException.Validation("name", "name must be at most 253 characters without '/', '\\', '#', '?' or control characters");
    }

    private static string Fingerprint(string yaml, string context) =>
        Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(context + "\n" + yaml)));

    private async Task<ClusterEntity> EntityAsync(string clusterId, CancellationToken ct)
    {
        await storage.EnsureTableAsync(Table, ct);
        var r = await Rows.GetEntityIfExistsAsync<ClusterEntity>(ClusterEntity.ClusterPartition, clusterId, cancellationToken: ct);
        return r.HasValue ? r.Value! : throw NotFound(clusterId, "CLUSTER_NOT_FOUND");
    }

    private static FleetException NotFound(string idOrName, string code) =>
        FleetException.NotFound($"Cluster '{idOrName}' not found", code, new Dictionary<string, object?> { ["cluster"] = idOrName });
}
