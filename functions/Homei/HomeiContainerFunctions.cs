using Fleet.Core.Homei;
using Fleet.Core.Platform.Errors;
using Fleet.Functions.Platform.Auth;

namespace Fleet.Functions.Homei;

/// <summary>The seed's "Container Management" routes under <c>/v1/containers</c>.</summary>
public static class HomeiContainerFunctions
{
    public sealed record ContainerList(List<ContainerSummary> Containers);
    public sealed record ContainerLogs(List<string> Logs);

    public static void MapHomeiContainers(this RouteGroupBuilder api)
    {
        var g = api.MapGroup("/v1/containers").ViewerReadsOperatorWrites();
        g.MapGet("", List).WithName("HomeiListContainers").WithSummary("List containers");
        g.MapGet("/{container_id}", Get).WithName("HomeiGetContainer").WithSummary("Get container");
        g.MapGet("/{container_id}/logs", Logs).WithName("HomeiContainerLogs").WithSummary("Container logs");
        g.MapGet("/{container_id}/stats", Stats).WithName("HomeiContainerStats").WithSummary("Container stats");
    }

    private static async Task<ContainerList> List(string? managed, string? status, HomeiContainers c, CancellationToken ct) =>
        new(await c.ListAsync(Bool(managed, "managed"), status, ct));

    private static Task<ContainerDetail> Get(string container_id, HomeiContainers c, CancellationToken ct) => c.GetAsync(container_id, ct);

    /// <summary><c>follow=true</c> is served by the WebSocket stream; here the answer is the lines so far.</summary>
    private static async Task<ContainerLogs> Logs(string container_id, string? tail, string? timestamps, string? follow,
        HomeiContainers c, CancellationToken ct)
    {
        var n = 100;
        if (tail is not null && (!int.TryParse(tail, out n) || n < 0)) throw FleetException.Validation("tail", "tail must be a non-negative integer");
        Bool(follow, "follow");
        return new(await c.LogsAsync(container_id, n, Bool(timestamps, "timestamps") ?? false, ct));
    }

    private static Task<ContainerStats> Stats(string container_id, HomeiContainers c, CancellationToken ct) => c.StatsAsync(container_id, ct);

    private static bool? Bool(string? value, string field) => value switch
    {
        null or "" => null,
        _ when bool.TryParse(value, out var b) => b,
        _ => throw FleetException.Validation(field, $"'{field}' must be true or false"),
    };
}
