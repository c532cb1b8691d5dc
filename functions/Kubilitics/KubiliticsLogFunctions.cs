using System.Net.WebSockets;
using System.Text;
using Fleet.Core.Kubilitics;
using Fleet.Core.Platform.Errors;
using Fleet.Functions.Platform.Auth;

namespace Fleet.Functions.Kubilitics;

/// <summary>
/// <c>logs/{namespace}/{pod}</c>: plain text, or with <c>follow=true</c> a WebSocket that sends each new line as a
/// text message as the kubelet writes it and closes (1000) when the container ends.
/// </summary>
public static class KubiliticsLogFunctions
{
    public static void MapKubiliticsLogs(this RouteGroupBuilder group)
    {
        group.MapGet("/v1/clusters/{clusterId}/logs/{namespace}/{pod}", Logs).WithTags("kubilitics").RequireRole(FleetRole.Viewer)
            .WithSummary("Pod logs (plain text; follow=true streams over WebSocket)")
            .WithDescription("Query: container (required for multi-container pods), tail (default 100), since (e.g. 10m, 1h), follow=true (WebSocket: one text message per line).")
            .Produces<string>(200, "text/plain").Produces(101).Produces<KubiliticsErrorJson>(400).Produces<KubiliticsErrorJson>(404)
            .Produces<KubiliticsErrorJson>(503).Produces<KubiliticsErrorJson>(504);
    }

    private static async Task<IResult> Logs(string clusterId, string @namespace, string pod, string? container, string? tail, string? since,
        string? follow, HttpContext http, PodLogs logs, CancellationToken ct)
    {
        var followRequested = follow is not null && (follow.Equals("true", StringComparison.OrdinalIgnoreCase) || follow == "1");
        if (follow is not null && !followRequested && !follow.Equals("false", StringComparison.OrdinalIgnoreCase) && follow != "0")
            throw FleetException.Validation("follow", "Field 'follow' must be true or false");
        var request = await logs.ResolveAsync(clusterId, @namespace, pod, container, tail, since, ct);
        if (!followRequested) return Results.Text(await logs.ReadAsync(clusterId, request, ct), "text/plain; charset=utf-8");
        if (!http.WebSockets.IsWebSocketRequest) throw FleetException.Validation("follow", "follow=true needs a WebSocket upgrade");

        await using var stream = await logs.FollowAsync(clusterId, request, ct);
        using var ws = await http.WebSockets.AcceptWebSocketAsync();
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted);
        var reader = KubiliticsSockets.DrainUntilClosed(ws, cts);
        var status = WebSocketCloseStatus.NormalClosure;
        var reason = "container ended";
        try
        {
            using var lines = new StreamReader(stream.Stream, Encoding.UTF8);
            while (!cts.IsCancellationRequested)
            {
                var line = await lines.ReadLineAsync(cts.Token);
                if (line is null) break;
                await ws.SendAsync(Encoding.UTF8.GetBytes(line), WebSocketMessageType.Text, true, cts.Token);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or WebSocketException) { reason = "closed"; }
        catch (IOException)
        {
            status = WebSocketCloseStatus.InternalServerError;
            reason = "log stream broken";
        }
        await KubiliticsSockets.CloseAsync(ws, reader, status, reason);
        return Results.Empty;
    }
}
