using Fleet.Core.KubeEdge;
using Fleet.Functions.Platform.Auth;

namespace Fleet.Functions.KubeEdge;

/// <summary>POST /test/connection: edge reachability by node name and/or host:port.</summary>
public static class KubeEdgeConnectionFunctions
{
    /// <summary><c>address</c> may carry "host:port" in one field.</summary>
    public sealed record ConnectionRequest(string? NodeName = null, string? Host = null, int? Port = null, string? Address = null, int? TimeoutMs = null);

    public static void MapKubeEdgeConnection(this RouteGroupBuilder group) =>
        group.MapPost("/test/connection", async (ConnectionRequest body, ConnectionTester tester, CancellationToken ct) =>
        {
            var (host, port) = (body.Host, body.Port);
            if (body.Address is { } a)
            {
                var i = a.LastIndexOf(':');
                if (i <= 0 || !int.TryParse(a[(i + 1)..], out var p))
                    throw Fleet.Core.Platform.Errors.FleetException.Validation("address", "address must be host:port");
                (host, port) = (a[..i], p);
            }
            return Results.Json(await tester.TestAsync(body.NodeName, host, port, body.TimeoutMs, ct));
        }).RequireRole(FleetRole.Operator).WithSummary("Test edge reachability");
}
