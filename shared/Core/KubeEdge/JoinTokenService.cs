using Azure;
using Azure.Data.Tables;
using Fleet.Core.Platform.Errors;
using Fleet.Core.Platform.Storage;
using Fleet.Core.Platform.Time;

namespace Fleet.Core.KubeEdge;

/// <summary>Row of <c>kubeedgeTokens</c>: PK = cluster id (tokens belong to that cluster's CA), RK = edge node name. Only a hash and a prefix are kept.</summary>
public sealed class JoinTokenEntity : ITableEntity
{
    public string PartitionKey { get; set; } = "";
    public string RowKey { get; set; } = "";
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }
    public string TokenHash { get; set; } = "";
    public string TokenPrefix { get; set; } = "";
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset ExpiresAt { get; set; }
}

public sealed record GeneratedToken(string NodeName, string Token, string ExpiresAt, string JoinCommand);
public sealed record TokenView(string NodeName, string TokenPrefix, string CreatedAt, string ExpiresAt, bool Expired)
{
    public static TokenView From(JoinTokenEntity e) =>
        new(e.RowKey, e.TokenPrefix, FleetTime.Format(e.CreatedAt), FleetTime.Format(e.ExpiresAt), e.ExpiresAt <= DateTimeOffset.UtcNow);
}
public sealed record TokenPage(IReadOnlyList<TokenView> Tokens, int Count, string? Continue);

public sealed class JoinTokenService(FleetStorage storage, KubeEdgeScope scope, CertificateAuthority ca, KubeEdgeConfigStore config)
{
    public const string Table = "kubeedgeTokens";
    public TableStore<JoinTokenEntity> Rows => storage.Table<JoinTokenEntity>(Table);

    public async Task<GeneratedToken> GenerateAsync(string? nodeName, int? expiryHours, CancellationToken ct)
    {
        var node = KubeEdgeValidation.Label(nodeName, "node_name");
        if (expiryHours is not null) KubeEdgeValidation.Range(expiryHours.Value, 1, 8760, "expiry_hours");
        var cfg = await config.GetAsync(ct);
        var clusterId = await scope.ClusterIdAsync(ct);
        var material = await ca.GetAsync(clusterId, ct);
        var now = DateTimeOffset.UtcNow;
        var expires = now.AddHours(expiryHours ?? cfg.TokenExpiryHours);
        var token = JoinToken.Create(material, node, now, expires);
        await storage.EnsureTableAsync(Table, ct);
        // A new token for a node replaces the record of the previous one; the old JWT still verifies until its exp, as in KubeEdge.
        await Rows.UpsertAsync(new JoinTokenEntity
        {
            PartitionKey = clusterId, RowKey = node, TokenHash = JoinToken.Hash(token), TokenPrefix = JoinToken.Prefix(token),
            CreatedAt = now, ExpiresAt = expires,
        }, ct);
        return new GeneratedToken(node, token, FleetTime.Format(expires), JoinCommand(cfg, node, token));
    }

    public static string JoinCommand(KubeEdgeConfig cfg, string node, string token) =>
        $"keadm join --cloudcore-ipport={cfg.AdvertiseAddress}:{cfg.CloudhubPort} --edgenode-name={node} --token={token} --kubeedge-version=v{cfg.KubeedgeVersion}";

    public async Task<TokenPage> ListAsync(int? limit, string? continueToken, CancellationToken ct)
    {
        var clusterId = await scope.ClusterIdAsync(ct);
        await storage.EnsureTableAsync(Table, ct);
        var page = await Rows.QueryPageAsync(TableClient.CreateQueryFilter($"PartitionKey eq {clusterId}"),
            KubeEdgeValidation.Range(limit ?? 100, 1, 1000, "limit"), continueToken, ct);
        return new TokenPage(page.Items.Select(TokenView.From).ToList(), page.Items.Count, page.ContinuationToken);
    }

    public async Task RevokeAsync(string nodeName, CancellationToken ct)
    {
        var clusterId = await scope.ClusterIdAsync(ct);
        await storage.EnsureTableAsync(Table, ct);
        if (!await Rows.DeleteAsync(clusterId, nodeName, ct: ct))
            throw FleetException.NotFound($"no token for node '{nodeName}'");
    }

    /// <summary>The sweep: removes records of expired tokens; returns how many went.</summary>
    public async Task<int> RemoveExpiredAsync(CancellationToken ct)
    {
        var clusterId = await scope.TryClusterIdAsync(ct);
        if (clusterId is null) return 0;
        await storage.EnsureTableAsync(Table, ct);
        var removed = 0;
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {clusterId} and ExpiresAt le {DateTimeOffset.UtcNow}");
        await foreach (var e in Rows.QueryAllAsync(filter, ct))
        {
            // With the ETag, a token regenerated meanwhile is left alone.
            try { if (await Rows.DeleteAsync(e.PartitionKey, e.RowKey, e.ETag, ct)) removed++; }
            catch (FleetException x) when (x.Kind == FleetErrorKind.Conflict) { }
        }
        return removed;
    }
}
