using Fleet.Functions.Platform.Contract;
using System.Net.WebSockets;
using System.Text.Json.Nodes;
using Fleet.Core.Kubernetes;
using Fleet.Core.Kubilitics;
using Fleet.Core.Platform.Errors;
using Fleet.Functions.Platform.Auth;

namespace Fleet.Functions.Kubilitics;

/// <summary>
/// <c>ws/resources?cluster_id=&amp;namespace=</c>: live resource changes of one cluster from shared Kubernetes watches
/// (<see cref="ResourceWatchHub"/>). First message <c>{"type":"CONNECTED",...}</c> once the watches are running, then
/// <c>{"type":"RESOURCE_ADDED|RESOURCE_UPDATED|RESOURCE_DELETED","cluster_id","resource":{kind,namespace,name,data},"timestamp"}</c>.
/// </summary>
public static class KubiliticsResourceStreamFunctions
{
    public sealed record ResourceView(string Kind, string? Namespace, string Name, JsonObject Data);
    public sealed record ResourceMessage(string Type, string ClusterId, ResourceView Resource, string Timestamp);

    public static void MapKubiliticsResourceStream(this RouteGroupBuilder group)
    {
        group.MapGet("/ws/resources", Stream).WithTags("kubilitics").RequireRole(FleetRole.Viewer)
            .WithSummary("Real-time resource updates (WebSocket)")
            .WithDescription("Query: cluster_id (required), namespace (optional; all namespaces and nodes when absent). Messages: RESOURCE_ADDED, RESOURCE_UPDATED, RESOURCE_DELETED.")
            .Produces<ResourceMessage>(101).Produces<KubiliticsErrorJson>(400).Produces<KubiliticsErrorJson>(404).Streams(StreamKind.WebSocket);
    }

    private static async Task Stream(HttpContext http, ClusterRegistry registry, ResourceWatchHub hub)
    {
        var clusterId = http.Request.Query["cluster_id"].ToString();
        var ns = http.Request.Query["namespace"].ToString();
        if (string.IsNullOrWhiteSpace(clusterId)) throw FleetException.Validation("cluster_id", "Field 'cluster_id' is required");
        if (ns.Length > 0) KubeNames.Check(ns, "namespace");
        await registry.GetAsync(clusterId, http.RequestAborted); // 404 for a cluster that is not registered
        if (!http.WebSockets.IsWebSocketRequest) throw FleetException.Validation("upgrade", "This endpoint needs a WebSocket upgrade");

        using var subscription = hub.Subscribe(clusterId, ns.Length > 0 ? ns : null);
        using var ws = await http.WebSockets.AcceptWebSocketAsync();
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted);
        var reader = KubiliticsSockets.DrainUntilClosed(ws, cts);
        var gate = new SemaphoreSlim(1, 1);
        try
        {
            try { await subscription.Ready.WaitAsync(TimeSpan.FromSeconds(20), cts.Token); }
            catch (TimeoutException) { }
            await KubiliticsSockets.SendJsonAsync(ws, new { type = "CONNECTED", cluster_id = clusterId, @namespace = ns.Length > 0 ? ns : null,
                timestamp = DateTimeOffset.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'") }, gate, cts.Token);
            await foreach (var c in subscription.Reader.ReadAllAsync(cts.Token))
                await KubiliticsSockets.SendJsonAsync(ws, new ResourceMessage(c.Type, c.ClusterId, new ResourceView(c.Kind, c.Namespace, c.Name, c.Data),
                    c.Timestamp.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'")), gate, cts.Token);
        }
        catch (Exception e) when (e is OperationCanceledException or WebSocketException) { }
        await KubiliticsSockets.CloseAsync(ws, reader);
    }
}
