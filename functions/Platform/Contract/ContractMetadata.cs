using System.Text.Json;
using System.Text.Json.Nodes;
using Fleet.Core.Platform.Json;

namespace Fleet.Functions.Platform.Contract;

/// <summary>Error statuses an endpoint can answer beyond the ones its shape implies (see <see cref="ContractTransformer"/>).</summary>
public sealed record FamilyErrors(IReadOnlyList<int> Statuses);

/// <summary>What kind of stream an endpoint answers with instead of one JSON body.</summary>
public enum StreamKind { WebSocket, ServerSentEvents }

public sealed record StreamRoute(StreamKind Kind);

/// <summary>A request body as the seed shows it: the OpenAPI example, the Postman body, the hostile walk's baseline.</summary>
public sealed record RequestExample(JsonNode Body);

/// <summary>
/// A route served outside minimal APIs (Prometheus' <c>/metrics</c>, the Durable Functions management API), so
/// absent from ApiExplorer: register one with <c>services.AddSingleton(new DocumentedRoute(...))</c> and it is in
/// the OpenAPI document, the Postman collection and the hostile walk like any other operation.
/// </summary>
public sealed record DocumentedRoute(string Method, string Path, string OperationId, string Summary, string Tag,
    bool Anonymous, string ContentType = "application/json", IReadOnlyList<string>? PathParameters = null,
    IReadOnlyList<string>? QueryParameters = null, bool HasJsonBody = false, IReadOnlyList<int>? Errors = null);

public static class ContractMetadataExtensions
{
    /// <summary>
    /// Declares error statuses the endpoint answers besides the ones its shape implies (400 with input, 401/403 when
    /// not anonymous, 404 with path parameters, 413 with a body, 429, 500): e.g. 409, 423, 502, 503, 504. Each is
    /// documented with the family's error envelope.
    /// </summary>
    public static TBuilder WithFamilyErrors<TBuilder>(this TBuilder builder, params int[] statuses) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new FamilyErrors(statuses));

    /// <summary>Marks a WebSocket or server-sent-events route: documented as such, kept out of newman's run.</summary>
    public static TBuilder Streams<TBuilder>(this TBuilder builder, StreamKind kind) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new StreamRoute(kind));

    /// <summary>The seed's example request body (snake_case as on the wire).</summary>
    public static TBuilder WithRequestExample<TBuilder>(this TBuilder builder, object example) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new RequestExample(JsonSerializer.SerializeToNode(example, FleetJson.Options)!));
}
