using System.Security.Cryptography;
using System.Text;
using Azure;
using Azure.Data.Tables;
using Fleet.Core.Platform.Errors;
using Fleet.Core.Platform.Storage;
using Fleet.Core.Platform.Time;
using Microsoft.AspNetCore.DataProtection;

namespace Fleet.Core.KubeEdge;

/// <summary>Row of <c>kubeedgeWebhooks</c>: PK = cluster id (webhooks belong to one CloudCore, as its events do), RK = webhook id.</summary>
public sealed class WebhookEntity : ITableEntity
{
    public string PartitionKey { get; set; } = "";
    public string RowKey { get; set; } = "";
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }
    public string Url { get; set; } = "";
    /// <summary>Comma-separated event types.</summary>
    public string Events { get; set; } = "";
    /// <summary>The signing secret, protected with Data Protection; it is never returned.</summary>
    public string ProtectedSecret { get; set; } = "";
    public DateTimeOffset CreatedAt { get; set; }

    [System.Runtime.Serialization.IgnoreDataMember]
    public IReadOnlyList<string> EventList => Events.Split(',', StringSplitOptions.RemoveEmptyEntries);
}

public sealed record WebhookView(string Id, string Url, IReadOnlyList<string> Events, string CreatedAt)
{
    public static WebhookView From(WebhookEntity e) => new(e.RowKey, e.Url, e.EventList, FleetTime.Format(e.CreatedAt));
}

public sealed record WebhookRequest(string? Url, IReadOnlyList<string>? Events, string? Secret);

/// <summary>Webhook subscriptions to KubeEdge events; deliveries are signed with HMAC-SHA256 of the body under the webhook's secret.</summary>
public sealed class WebhookService(FleetStorage storage, KubeEdgeScope scope, IDataProtectionProvider protection)
{
    public const string Table = "kubeedgeWebhooks";
    public const string SignatureHeader = "X-Fleet-Signature";
    private readonly IDataProtector _protector = protection.CreateProtector("Fleet.KubeEdge.Webhooks.Secret");
    private TableStore<WebhookEntity> Rows => storage.Table<WebhookEntity>(Table);

    public async Task<WebhookEntity> CreateAsync(WebhookRequest body, CancellationToken ct)
    {
        var url = ValidUrl(body.Url);
        var events = ValidEvents(body.Events);
        if (string.IsNullOrEmpty(body.Secret) || body.Secret.Length > 256)
            throw FleetException.Validation("secret", "secret is required (at most 256 characters)");
        var clusterId = await scope.ClusterIdAsync(ct);
        var entity = new WebhookEntity
        {
            PartitionKey = clusterId, RowKey = "wh_" + Convert.ToHexString(RandomNumberGenerator.GetBytes(8)).ToLowerInvariant(),
            Url = url, Events = string.Join(',', events), ProtectedSecret = _protector.Protect(body.Secret), CreatedAt = DateTimeOffset.UtcNow,
        };
        await storage.EnsureTableAsync(Table, ct);
        await Rows.AddAsync(entity, ct: ct);
        return entity;
    }

    public async Task<IReadOnlyList<WebhookEntity>> ListAsync(string clusterId, CancellationToken ct)
    {
        await storage.EnsureTableAsync(Table, ct);
        var list = new List<WebhookEntity>();
        await foreach (var e in Rows.QueryAllAsync($"PartitionKey eq '{clusterId.Replace("'", "''")}'", ct)) list.Add(e);
        return list.OrderBy(e => e.CreatedAt).ToList();
    }

    public async Task DeleteAsync(string id, CancellationToken ct)
    {
        var clusterId = await scope.ClusterIdAsync(ct);
        await storage.EnsureTableAsync(Table, ct);
        if (!await Rows.DeleteAsync(clusterId, id, ct: ct)) throw FleetException.NotFound($"webhook '{id}' not found");
    }

    public async Task<WebhookEntity?> FindAsync(string clusterId, string id, CancellationToken ct)
    {
        await storage.EnsureTableAsync(Table, ct);
        return await Rows.GetAsync(clusterId, id, ct);
    }

    public string Secret(WebhookEntity e) => _protector.Unprotect(e.ProtectedSecret);

    /// <summary>The header value: <c>sha256=</c> and the lowercase hex HMAC-SHA256 of the exact body bytes.</summary>
    public static string Sign(string secret, byte[] body) =>
        "sha256=" + Convert.ToHexString(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), body)).ToLowerInvariant();

    private static string ValidUrl(string? value)
    {
        if (!Uri.TryCreate(value, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
            throw FleetException.Validation("url", "url must be an absolute http or https URL");
        return uri.ToString();
    }

    private static List<string> ValidEvents(IReadOnlyList<string>? events)
    {
        if (events is null || events.Count == 0)
            throw FleetException.Validation("events", $"events must be a non-empty list of: {string.Join(", ", KubeEdgeEvents.All)}");
        foreach (var e in events)
            if (!KubeEdgeEvents.All.Contains(e))
                throw FleetException.Validation("events", $"unknown event '{e}'; known: {string.Join(", ", KubeEdgeEvents.All)}");
        return events.Distinct().ToList();
    }
}
