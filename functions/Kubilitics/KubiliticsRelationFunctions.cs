using System.Text.Json.Nodes;
using Fleet.Core.Kubilitics;
using Fleet.Functions.Platform.Auth;
using static Fleet.Core.Kubilitics.RelationsService;

namespace Fleet.Functions.Kubilitics;

/// <summary>Endpoints, consumers, TLS info, counts, search and MetalLB detection.</summary>
public static class KubiliticsRelationFunctions
{
    public sealed record EndpointList(JsonArray Endpoints);
    public sealed record ConsumerList(JsonArray Consumers);
    public sealed record SearchResults(IReadOnlyList<SearchResult> Results);

    public static void MapKubiliticsRelations(this RouteGroupBuilder group)
    {
        var c = group.MapGroup("/v1/clusters/{clusterId}").WithTags("kubilitics");
        c.MapGet("/resources/services/{namespace}/{name}/endpoints", Endpoints).ViewerReadsOperatorWrites().ClusterCall<EndpointList>("Endpoints of a Service (EndpointSlices, else Endpoints)");
        c.MapGet("/resources/configmaps/{namespace}/{name}/consumers", (string clusterId, string @namespace, string name, RelationsService r, CancellationToken ct) =>
            Consumers(r, clusterId, ConsumedKind.ConfigMap, @namespace, name, ct)).ViewerReadsOperatorWrites().ClusterCall<ConsumerList>("Pods and workloads that use a ConfigMap");
        c.MapGet("/resources/secrets/{namespace}/{name}/consumers", (string clusterId, string @namespace, string name, RelationsService r, CancellationToken ct) =>
            Consumers(r, clusterId, ConsumedKind.Secret, @namespace, name, ct)).ViewerReadsOperatorWrites().ClusterCall<ConsumerList>("Pods and workloads that use a Secret");
        c.MapGet("/resources/persistentvolumeclaims/{namespace}/{name}/consumers", (string clusterId, string @namespace, string name, RelationsService r, CancellationToken ct) =>
            Consumers(r, clusterId, ConsumedKind.PersistentVolumeClaim, @namespace, name, ct)).ViewerReadsOperatorWrites().ClusterCall<ConsumerList>("Pods and workloads that mount a PersistentVolumeClaim");
        c.MapGet("/resources/secrets/{namespace}/{name}/tls-info", TlsInfo).ViewerReadsOperatorWrites().ClusterCall<JsonObject>("Certificate of a kubernetes.io/tls Secret", 400);
        c.MapGet("/resources/storageclasses/pv-counts", PvCounts).ViewerReadsOperatorWrites().ClusterCall<Dictionary<string, long>>("PersistentVolumes per StorageClass");
        c.MapGet("/resources/namespaces/counts", NamespaceCounts).ViewerReadsOperatorWrites().ClusterCall<Dictionary<string, Dictionary<string, long>>>("Objects per namespace and kind");
        c.MapGet("/resources/serviceaccounts/token-counts", TokenCounts).ViewerReadsOperatorWrites().ClusterCall<Dictionary<string, Dictionary<string, long>>>("Service-account token Secrets per ServiceAccount");
        c.MapGet("/search", Search).ViewerReadsOperatorWrites().ClusterCall<SearchResults>("Search names, labels and annotations (ranked)", 400);
        c.MapGet("/features/metallb", MetalLb).ViewerReadsOperatorWrites().ClusterCall<JsonObject>("Detect MetalLB (CRDs and controller, version from its image)");
    }

    private static async Task<IResult> Endpoints(string clusterId, string @namespace, string name, RelationsService r, CancellationToken ct) =>
        Results.Json(new EndpointList(await r.EndpointsAsync(clusterId, @namespace, name, ct)));

    private static async Task<IResult> Consumers(RelationsService r, string clusterId, ConsumedKind kind, string ns, string name, CancellationToken ct) =>
        Results.Json(new ConsumerList(await r.ConsumersAsync(clusterId, kind, ns, name, ct)));

    private static async Task<IResult> TlsInfo(string clusterId, string @namespace, string name, RelationsService r, CancellationToken ct) =>
        Results.Json(await r.TlsInfoAsync(clusterId, @namespace, name, ct));

    private static async Task<IResult> PvCounts(string clusterId, RelationsService r, CancellationToken ct) => Results.Json(await r.PvCountsAsync(clusterId, ct));

    private static async Task<IResult> NamespaceCounts(string clusterId, RelationsService r, CancellationToken ct) => Results.Json(await r.NamespaceCountsAsync(clusterId, ct));

    private static async Task<IResult> TokenCounts(string clusterId, RelationsService r, CancellationToken ct) => Results.Json(await r.TokenCountsAsync(clusterId, ct));

    private static async Task<IResult> Search(string clusterId, string? q, string? limit, SearchService search, CancellationToken ct) =>
        Results.Json(new SearchResults(await search.SearchAsync(clusterId, q, limit, ct)));

    private static async Task<IResult> MetalLb(string clusterId, RelationsService r, CancellationToken ct) => Results.Json(await r.MetalLbAsync(clusterId, ct));
}
