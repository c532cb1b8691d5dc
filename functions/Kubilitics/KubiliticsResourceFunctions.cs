using System.Text.Json.Nodes;
using Fleet.Core.Kubilitics;
using Fleet.Functions.Platform.Auth;

namespace Fleet.Functions.Kubilitics;

/// <summary>Resources of every kind the cluster serves, CRD instances, and apply.</summary>
public static class KubiliticsResourceFunctions
{
    public sealed record ResourceList(JsonArray Items, ResourceListMeta Metadata);
    public sealed record ResourceListMeta(
        [property: System.Text.Json.Serialization.JsonPropertyName("resourceVersion")] string? ResourceVersion,
        [property: System.Text.Json.Serialization.JsonPropertyName("continue")] string? Continue,
        [property: System.Text.Json.Serialization.JsonPropertyName("total")] long? Total);
    public sealed record Deleted(string Message, JsonNode? Result);
    public sealed record ApplyResult(IReadOnlyList<AppliedResource> Applied);

    public static void MapKubiliticsResources(this RouteGroupBuilder group)
    {
        var c = group.MapGroup("/v1/clusters/{clusterId}").WithTags("kubilitics");
        c.MapGet("/resources/{kind}", List).ViewerReadsOperatorWrites().ClusterCall<ResourceList>("List resources of a kind (discovery: plural, singular, kind or short name)", 400);
        c.MapGet("/resources/{kind}/{namespace}/{name}", Get).ViewerReadsOperatorWrites().ClusterCall<JsonObject>("Get a resource ('-' or '_' as the namespace of a cluster-scoped one)", 400);
        c.MapPatch("/resources/{kind}/{namespace}/{name}", Patch).ViewerReadsOperatorWrites().Accepts<JsonObject>("application/merge-patch+json", "application/json")
            .ClusterCall<JsonObject>("JSON merge patch of a resource", 400, 409);
        c.MapDelete("/resources/{kind}/{namespace}/{name}", Delete).ViewerReadsOperatorWrites().ClusterCall<Deleted>("Delete a resource (X-Confirm-Destructive required)", 400, 409);
        c.MapGet("/crd-instances/{crdName}", CrdInstances).ViewerReadsOperatorWrites().ClusterCall<ResourceList>("List the instances of a CRD given by its name", 400);
        c.MapPost("/apply", Apply).ViewerReadsOperatorWrites().Accepts<string>("application/yaml", "application/json")
            .ClusterCall<ApplyResult>("Server-side apply of YAML or JSON manifests (validated with dry-run first)", 400, 409);
    }

    private static async Task<IResult> List(string clusterId, string kind, string? @namespace, string? labelSelector, string? fieldSelector, string? limit,
        HttpRequest request, ResourceService resources, CancellationToken ct)
    {
        var q = ResourceQuery.Parse(@namespace, labelSelector, fieldSelector, limit, request.Query["continue"]);
        return Results.Json(await resources.ListAsync(clusterId, kind, q, ct));
    }

    private static async Task<IResult> CrdInstances(string clusterId, string crdName, string? @namespace, string? labelSelector, string? fieldSelector, string? limit,
        HttpRequest request, ResourceService resources, CancellationToken ct)
    {
        var q = ResourceQuery.Parse(@namespace, labelSelector, fieldSelector, limit, request.Query["continue"]);
        return Results.Json(await resources.CrdInstancesAsync(clusterId, crdName, q, ct));
    }

    private static async Task<IResult> Get(string clusterId, string kind, string @namespace, string name, ResourceService resources, CancellationToken ct) =>
        Results.Json(await resources.GetAsync(clusterId, kind, @namespace, name, ct));

    private static async Task<IResult> Patch(string clusterId, string kind, string @namespace, string name, HttpRequest request, ResourceService resources, CancellationToken ct)
    {
        JsonNode? patch;
        try { patch = await JsonNode.ParseAsync(request.Body, cancellationToken: ct); }
        catch (System.Text.Json.JsonException) { throw Core.Platform.Errors.FleetException.Validation("body", "the body is not valid JSON"); }
        return Results.Json(await resources.PatchAsync(clusterId, kind, @namespace, name, patch, ct));
    }

    private static async Task<IResult> Delete(string clusterId, string kind, string @namespace, string name, ResourceService resources, CancellationToken ct)
    {
        var answer = await resources.DeleteAsync(clusterId, kind, @namespace, name, ct);
        return Results.Json(new JsonObject { ["message"] = "Resource deleted", ["result"] = answer });
    }

    private static async Task<IResult> Apply(string clusterId, HttpRequest request, ApplyService apply, CancellationToken ct)
    {
        using var reader = new StreamReader(request.Body);
        var body = await reader.ReadToEndAsync(ct);
        var confirmed = KubiliticsDestructiveConfirmation.IsConfirmed(request.Headers[KubiliticsDestructiveConfirmation.Header].ToString());
        return Results.Json(new { applied = await apply.ApplyAsync(clusterId, body, request.ContentType, confirmed, ct) });
    }
}
