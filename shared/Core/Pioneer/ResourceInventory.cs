using Microsoft.Extensions.Options;

namespace Fleet.Core.Pioneer;

/// <summary>
/// CloudPioneer's cross-family inventory: every source read at once, priced by the price sheet, then filtered,
/// sorted and paged. The view is assembled per request (each family keeps its own store), so a page costs a read
/// of every source.
/// </summary>
public sealed class ResourceInventory(HomeiResourceSource homei, KubeEdgeResourceSource kubeEdge, KubernetesResourceSource kube,
    IOptions<PioneerOptions> options)
{
    public async Task<IReadOnlyList<PioneerResource>> ReadAllAsync(CancellationToken ct)
    {
        var sources = await Task.WhenAll(homei.ReadAsync(ct), kubeEdge.ReadAsync(ct), kube.ReadAsync(ct));
        return sources.SelectMany(s => s).Select(Price).ToList();
    }

    /// <summary>One source's resources (<c>homei</c>, <c>kubeedge</c> or <c>kube</c>), priced.</summary>
    public async Task<IReadOnlyList<PioneerResource>> ReadSourceAsync(string source, CancellationToken ct)
    {
        var facts = source switch
        {
            "homei" => await homei.ReadAsync(ct),
            "kubeedge" => await kubeEdge.ReadAsync(ct),
            "kube" => await kube.ReadAsync(ct),
            _ => throw new ArgumentOutOfRangeException(nameof(source), source, "unknown source"),
        };
        return facts.Select(Price).ToList();
    }

    public async Task<ResourcePage> ListAsync(ResourceQuery query, CancellationToken ct) => query.Apply(await ReadAllAsync(ct));

    public PioneerResource Price(ResourceFacts f) =>
        new(f.Id, f.Name, f.Type, f.Status, f.Metrics, PriceSheet.Cost(f, options.Value), f.Tags);
}
