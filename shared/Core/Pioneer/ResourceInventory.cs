using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Fleet.Core.Pioneer;

/// <summary>
/// CloudPioneer's cross-family inventory. Each sample tick reads every source and applies what it found to the
/// <see cref="InventoryProjection"/>; the list route reads the projection (<see cref="InventoryPages"/>): filter, sort
/// and paging are Table storage's. When a source's rows were last applied more than two sample intervals ago (or never),
/// the list route refreshes that source first, one refresh at a time on a host.
/// </summary>
public sealed class ResourceInventory(HomeiResourceSource homei, KubeEdgeResourceSource kubeEdge, KubernetesResourceSource kube,
    InventoryProjection projection, InventoryPages pages, IOptions<PioneerOptions> options, TimeProvider time, ILogger<ResourceInventory> log)
{
    public static readonly string[] Sources = ["homei", "kubeedge", "kube"];

    private readonly SemaphoreSlim _refreshing = new(1, 1);
    private readonly Dictionary<string, DateTimeOffset> _failedAt = [];

    /// <summary>One source (<c>homei</c>, <c>kubeedge</c> or <c>kube</c>) read now, priced, with the scopes the read covers.</summary>
    public async Task<SourceRead> ReadSourceAsync(string source, CancellationToken ct)
    {
        var at = time.GetUtcNow();
        switch (source)
        {
            case "homei":
                return new SourceRead(source, (await homei.ReadAsync(ct)).Select(Price).ToList(), [source], [source], at);
            case "kubeedge":
                return new SourceRead(source, (await kubeEdge.ReadAsync(ct)).Select(Price).ToList(), [source], [source], at);
            case "kube":
                var clusters = await kube.ReadClustersAsync(ct);
                return new SourceRead(source, clusters.Facts.Select(Price).ToList(),
                    clusters.Read.Select(c => $"kube:{c}").ToList(), clusters.Registered.Select(c => $"kube:{c}").ToList(), at);
            default:
                throw new ArgumentOutOfRangeException(nameof(source), source, "unknown source");
        }
    }

    public async Task<ResourcePage> ListAsync(ResourceQuery query, CancellationToken ct)
    {
        var state = await projection.ReadStateAsync(ct);
        if (Stale(state).Count > 0) state = await RefreshAsync(ct);
        return await pages.ReadAsync(query, state, ct);
    }

    private List<string> Stale(InventoryState state)
    {
        var now = time.GetUtcNow();
        var limit = options.Value.SampleInterval * 2;
        return Sources.Where(s => !state.ReadAt.TryGetValue(s, out var at) || now - at > limit).ToList();
    }

    /// <summary>
    /// Reads and applies the stale sources (not the request's to cancel: a refresh stopped half-way costs the next one a
    /// sweep). A source that fails is logged and not tried again on this host for one sample interval; its rows stay.
    /// </summary>
    private async Task<InventoryState> RefreshAsync(CancellationToken ct)
    {
        await _refreshing.WaitAsync(ct);
        try
        {
            var state = await projection.ReadStateAsync(ct);
            var now = time.GetUtcNow();
            var due = Stale(state).Where(s => !_failedAt.TryGetValue(s, out var at) || now - at > options.Value.SampleInterval).ToList();
            if (due.Count == 0) return state;
            await Task.WhenAll(due.Select(async source =>
            {
                try
                {
                    await projection.ApplyAsync(await ReadSourceAsync(source, CancellationToken.None), CancellationToken.None);
                }
                catch (Exception e)
                {
                    log.LogWarning("Inventory refresh of {Source} failed: {Message}", source, e.Message);
                    lock (_failedAt) _failedAt[source] = time.GetUtcNow();
                }
            }));
            return await projection.ReadStateAsync(ct);
        }
        finally
        {
            _refreshing.Release();
        }
    }

    public PioneerResource Price(ResourceFacts f) =>
        new(f.Id, f.Name, f.Type, f.Status, f.Metrics, PriceSheet.Cost(f, options.Value), f.Tags);
}
