using Fleet.Core.Platform.Mesh;
using Fleet.Functions.Platform.Auth;

namespace Fleet.Functions.Platform.Mesh;

/// <summary><c>GET /api/hosts</c> (admin): the fleet's host processes, which are alive, and which singletons each runs.</summary>
public static class HostFunctions
{
    public sealed record HostList(string Fleet, bool Mesh, IReadOnlyList<FleetHostView> Hosts);

    public static void MapHostFunctions(this IEndpointRouteBuilder api)
    {
        api.MapGet("/hosts", ListHosts).RequireRole(FleetRole.Admin).WithTags("platform").WithName("ListHosts")
            .WithSummary("The fleet's hosts: heartbeat, and the timers and pumps each one runs");
    }

    private static async Task<HostList> ListHosts(HostRegistry registry, MeshTopics topics, CancellationToken ct) =>
        new(topics.FleetName, topics.Enabled, await registry.ListAsync(ct));
}
