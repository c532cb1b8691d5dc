namespace Fleet.Functions.Kubilitics;

/// <summary>Kubilitics' error envelope, for the OpenAPI document.</summary>
public sealed record KubiliticsErrorBody(string Error);

/// <summary>What a cluster route declares for the OpenAPI document: its answer and each error status it can give.</summary>
public static class KubiliticsOpenApi
{
    /// <summary>Errors every call to a cluster can answer: auth, role, unknown cluster, rate limit, breaker, unreachable, timeout.</summary>
    private static readonly int[] ClusterErrors = [401, 403, 404, 429, 502, 503, 504];

    public static RouteHandlerBuilder ClusterCall<T>(this RouteHandlerBuilder b, string summary, params int[] more) =>
        b.WithSummary(summary).Produces<T>(200).Errors(more);

    public static RouteHandlerBuilder ClusterCall(this RouteHandlerBuilder b, string summary, string contentType, params int[] more) =>
        b.WithSummary(summary).Produces(200, contentType: contentType).Errors(more);

    private static RouteHandlerBuilder Errors(this RouteHandlerBuilder b, int[] more)
    {
        foreach (var code in ClusterErrors.Concat(more).Distinct().Order()) b.Produces<KubiliticsErrorBody>(code);
        return b;
    }
}
