using Azure;
using Azure.Data.Tables;
using Fleet.Core.Platform.Errors;
using Fleet.Core.Platform.Storage;

namespace Fleet.Core.Kubilitics;

/// <summary>One row of table <c>kubiliticsProjects</c>: the project itself, a member cluster or a member namespace.</summary>
public sealed class ProjectRow : ITableEntity
{
    public string PartitionKey { get; set; } = "";
    public string RowKey { get; set; } = "";
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }
    public string? Name { get; set; }
    public string? Description { get; set; }
    public string? ClusterId { get; set; }
    public string? Namespace { get; set; }
    public string? Team { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
}

/// <summary>A project with its members, as read from its partition.</summary>
public sealed record Project(string Id, string Name, string Description, IReadOnlyList<string> Clusters,
    IReadOnlyList<ProjectNamespace> Namespaces, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt);

public sealed record ProjectNamespace(string ClusterId, string Namespace, string? Team);

/// <summary>
/// Table <c>kubiliticsProjects</c>. A project is read whole (GET) and its members change one at a time, so one
/// partition per project: PartitionKey the project id; RowKey <c>project</c> for the project row,
/// <c>cluster|{clusterId}</c> per member cluster and <c>ns|{clusterId}|{namespace}</c> per member namespace.
/// Names are unique through index rows in PartitionKey <c>~name</c>, RowKey the lower-cased name (insert-if-absent).
/// Projects are few, so listing reads the table; removing a cluster everywhere queries its member rows by RowKey.
/// </summary>
public sealed class ProjectStore(FleetStorage storage)
{
    public const string Table = "kubiliticsProjects";
    public const string ProjectRowKey = "project";
    public const string NamePartition = "~name";
    private TableStore<ProjectRow> Rows => storage.Table<ProjectRow>(Table);

    public static string ClusterKey(string clusterId) => $"cluster|{clusterId}";
    public static string NamespaceKey(string clusterId, string ns) => $"ns|{clusterId}|{ns}";

    public async Task<Project> CreateAsync(string name, string description, CancellationToken ct)
    {
        await storage.EnsureTableAsync(Table, ct);
        var id = Guid.NewGuid().ToString();
        var now = DateTimeOffset.UtcNow;
        await Rows.AddAsync(new ProjectRow { PartitionKey = NamePartition, RowKey = name.ToLowerInvariant(), ClusterId = id },
            $"a project named '{name}' already exists", ct);
        await Rows.AddAsync(new ProjectRow { PartitionKey = id, RowKey = ProjectRowKey, Name = name, Description = description, CreatedAt = now, UpdatedAt = now }, ct: ct);
        return new Project(id, name, description, [], [], now, now);
    }

    public async Task<Project?> GetAsync(string id, CancellationToken ct)
    {
        if (!IsSafe(id)) return null;
        await storage.EnsureTableAsync(Table, ct);
        var rows = new List<ProjectRow>();
        await foreach (var r in Rows.QueryAllAsync($"PartitionKey eq '{id}'", ct)) rows.Add(r);
        return Assemble(rows);
    }

    public async Task<IReadOnlyList<Project>> ListAsync(CancellationToken ct)
    {
        await storage.EnsureTableAsync(Table, ct);
        var rows = new List<ProjectRow>();
        await foreach (var r in Rows.QueryAllAsync($"PartitionKey ne '{NamePartition}'", ct)) rows.Add(r);
        return rows.GroupBy(r => r.PartitionKey).Select(g => Assemble(g.ToList())).OfType<Project>()
            .OrderBy(p => p.CreatedAt).ToList();
    }

    /// <summary>Renames (moving the name index row) and/or changes the description.</summary>
    public async Task UpdateAsync(string id, string? name, string? description, CancellationToken ct)
    {
        var row = await Rows.GetAsync(id, ProjectRowKey, ct) ?? throw NotFound(id);
        if (name is not null && !string.Equals(name, row.Name, StringComparison.Ordinal))
        {
            var oldKey = row.Name!.ToLowerInvariant();
            if (name.ToLowerInvariant() != oldKey)
                await Rows.AddAsync(new ProjectRow { PartitionKey = NamePartition, RowKey = name.ToLowerInvariant(), ClusterId = id },
                    $"a project named '{name}' already exists", ct);
            row.Name = name;
            if (name.ToLowerInvariant() != oldKey) await Rows.DeleteAsync(NamePartition, oldKey, ct: ct);
        }
        if (description is not null) row.Description = description;
        row.UpdatedAt = DateTimeOffset.UtcNow;
        await Rows.UpdateAsync(row, ct);
    }

    public async Task DeleteAsync(string id, CancellationToken ct)
    {
        var project = await GetAsync(id, ct) ?? throw NotFound(id);
        await foreach (var r in Rows.QueryAllAsync($"PartitionKey eq '{id}'", ct))
            if (r.RowKey != ProjectRowKey) await Rows.DeleteAsync(id, r.RowKey, ct: ct);
        await Rows.DeleteAsync(id, ProjectRowKey, ct: ct);
        await Rows.DeleteAsync(NamePartition, project.Name.ToLowerInvariant(), ct: ct);
    }

    public Task AddClusterAsync(string id, string clusterId, CancellationToken ct) =>
        Rows.UpsertAsync(new ProjectRow { PartitionKey = id, RowKey = ClusterKey(clusterId), ClusterId = clusterId, CreatedAt = DateTimeOffset.UtcNow }, ct);

    /// <summary>Removes the cluster and the project's namespaces on it; false when it was not a member.</summary>
    public async Task<bool> RemoveClusterAsync(string id, string clusterId, CancellationToken ct)
    {
        var removed = await Rows.DeleteAsync(id, ClusterKey(clusterId), ct: ct);
        var prefix = $"ns|{clusterId}|";
        await foreach (var r in Rows.QueryAllAsync($"PartitionKey eq '{id}' and RowKey ge '{prefix}' and RowKey lt '{prefix}~'", ct))
            await Rows.DeleteAsync(id, r.RowKey, ct: ct);
        return removed;
    }

    public Task AddNamespaceAsync(string id, string clusterId, string ns, string? team, CancellationToken ct) =>
        Rows.UpsertAsync(new ProjectRow { PartitionKey = id, RowKey = NamespaceKey(clusterId, ns), ClusterId = clusterId, Namespace = ns, Team = team, CreatedAt = DateTimeOffset.UtcNow }, ct);

    public Task<bool> RemoveNamespaceAsync(string id, string clusterId, string ns, CancellationToken ct) =>
        Rows.DeleteAsync(id, NamespaceKey(clusterId, ns), ct: ct);

    /// <summary>Drops a removed cluster (and its namespaces) from every project.</summary>
    public async Task RemoveClusterEverywhereAsync(string clusterId, CancellationToken ct)
    {
        await storage.EnsureTableAsync(Table, ct);
        var key = ClusterKey(clusterId);
        var prefix = $"ns|{clusterId}|";
        var doomed = new List<ProjectRow>();
        await foreach (var r in Rows.QueryAllAsync($"RowKey eq '{key}' or (RowKey ge '{prefix}' and RowKey lt '{prefix}~')", ct)) doomed.Add(r);
        foreach (var r in doomed) await Rows.DeleteAsync(r.PartitionKey, r.RowKey, ct: ct);
    }

    public static bool IsSafe(string key) =>
        key.Length is > 0 and <= 200 && key.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.');

    private static Project? Assemble(IReadOnlyList<ProjectRow> rows)
    {
        var head = rows.FirstOrDefault(r => r.RowKey == ProjectRowKey);
        if (head is null) return null;
        var clusters = rows.Where(r => r.RowKey.StartsWith("cluster|", StringComparison.Ordinal)).Select(r => r.ClusterId!).ToList();
        var namespaces = rows.Where(r => r.RowKey.StartsWith("ns|", StringComparison.Ordinal))
            .Select(r => new ProjectNamespace(r.ClusterId!, r.Namespace!, r.Team)).ToList();
        return new Project(head.PartitionKey, head.Name!, head.Description ?? "", clusters, namespaces, head.CreatedAt, head.UpdatedAt);
    }

    private static FleetException NotFound(string id) => FleetException.NotFound($"Project '{id}' not found", "PROJECT_NOT_FOUND");
}
