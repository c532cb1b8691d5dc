using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Fleet.Durable.Http;
using Fleet.Functions.Platform.Auth;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Fleet.Functions.Platform.Docs;

/// <summary>
/// OpenAPI metadata for the Durable Functions management API (mapped by shared/Durable): its tag, the role it needs, and
/// every status each route answers with its body, so the routes appear in the OpenAPI and Postman documents like the
/// platform's own. Documentation only: nothing here changes what a route answers.
/// </summary>
public static class DurableApiDocs
{
    public const string Tag = "durable";

    private static readonly int[] Auth = [StatusCodes.Status401Unauthorized, StatusCodes.Status403Forbidden];

    /// <summary>Each route's answers by endpoint name: status and body type (null for an empty body).</summary>
    private static readonly Dictionary<string, (int Status, Type? Body)[]> Responses = new()
    {
        ["Durable_StartOrchestration"] = [(202, typeof(HttpManagementPayload)), (200, typeof(DurableInstanceStatus)), (400, typeof(DurableApiError)), (409, typeof(DurableApiError))],
        ["Durable_GetInstance"] = [(200, typeof(DurableInstanceStatus)), (202, typeof(DurableInstanceStatus)), (404, typeof(DurableApiError)), (500, typeof(DurableInstanceStatus))],
        ["Durable_ListInstances"] = [(200, typeof(DurableInstanceStatus[])), (400, typeof(DurableApiError))],
        ["Durable_PurgeInstance"] = [(200, typeof(DurablePurgeResult)), (404, typeof(DurableApiError)), (412, typeof(DurableApiError))],
        ["Durable_PurgeInstances"] = [(200, typeof(DurablePurgeResult)), (400, typeof(DurableApiError)), (404, typeof(DurableApiError))],
        ["Durable_RaiseEvent"] = [(202, null), (400, typeof(DurableApiError)), (404, typeof(DurableApiError)), (410, typeof(DurableApiError))],
        ["Durable_Terminate"] = [(202, null), (404, typeof(DurableApiError)), (410, typeof(DurableApiError))],
        ["Durable_Suspend"] = [(202, null), (404, typeof(DurableApiError)), (410, typeof(DurableApiError))],
        ["Durable_Resume"] = [(202, null), (404, typeof(DurableApiError)), (410, typeof(DurableApiError))],
        ["Durable_Restart"] = [(202, typeof(HttpManagementPayload)), (404, typeof(DurableApiError)), (409, typeof(DurableApiError))],
        ["Durable_Rewind"] = [(202, null), (404, typeof(DurableApiError)), (412, typeof(DurableApiError)), (501, typeof(DurableApiError))],
        ["Durable_Entities"] = [(501, typeof(DurableApiError))],
    };

    /// <summary>The query parameters, headers and bodies each route reads from the request itself (so the framework cannot see them).</summary>
    private static readonly Dictionary<string, (string Name, ParameterLocation In, JsonSchemaType Type, string? Format, string Description)[]> Inputs = new()
    {
        ["Durable_StartOrchestration"] =
        [
            ("timeout", ParameterLocation.Query, JsonSchemaType.Number, null, "Seconds to wait for the instance to finish before answering 202"),
            ("pollingInterval", ParameterLocation.Query, JsonSchemaType.Number, null, "Seconds between checks while waiting"),
        ],
        ["Durable_GetInstance"] =
        [
            ("showHistory", ParameterLocation.Query, JsonSchemaType.Boolean, null, "Include the execution history"),
            ("showHistoryOutput", ParameterLocation.Query, JsonSchemaType.Boolean, null, "Include activity outputs in the history"),
            ("showInput", ParameterLocation.Query, JsonSchemaType.Boolean, null, "Include the input (default true)"),
            ("returnInternalServerErrorOnFailure", ParameterLocation.Query, JsonSchemaType.Boolean, null, "Answer 500 for a failed instance"),
        ],
        ["Durable_ListInstances"] =
        [
            ("createdTimeFrom", ParameterLocation.Query, JsonSchemaType.String, "date-time", "Created at or after"),
            ("createdTimeTo", ParameterLocation.Query, JsonSchemaType.String, "date-time", "Created at or before"),
            ("runtimeStatus", ParameterLocation.Query, JsonSchemaType.String, null, "Comma-separated runtime statuses"),
            ("instanceIdPrefix", ParameterLocation.Query, JsonSchemaType.String, null, "Instance id prefix"),
            ("top", ParameterLocation.Query, JsonSchemaType.Integer, null, "Page size"),
            ("showInput", ParameterLocation.Query, JsonSchemaType.Boolean, null, "Include inputs (default true)"),
            ("x-ms-continuation-token", ParameterLocation.Header, JsonSchemaType.String, null, "The token of the previous page's response"),
        ],
        ["Durable_PurgeInstances"] =
        [
            ("createdTimeFrom", ParameterLocation.Query, JsonSchemaType.String, "date-time", "Created at or after (required)"),
            ("createdTimeTo", ParameterLocation.Query, JsonSchemaType.String, "date-time", "Created at or before"),
            ("runtimeStatus", ParameterLocation.Query, JsonSchemaType.String, null, "Comma-separated runtime statuses"),
        ],
        ["Durable_Restart"] =
        [
            ("restartWithNewInstanceId", ParameterLocation.Query, JsonSchemaType.Boolean, null, "Start the copy under a new instance id"),
        ],
    };

    /// <summary>Routes whose body is any JSON value (the orchestration's input, the event's payload).</summary>
    private static readonly HashSet<string> JsonBodies = ["Durable_StartOrchestration", "Durable_RaiseEvent"];

    /// <summary>Operation transformer: adds the query parameters, headers and JSON bodies of <see cref="Inputs"/> and <see cref="JsonBodies"/>.</summary>
    public static Task DescribeInputsAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken ct)
    {
        var name = operation.OperationId;
        if (name is null) return Task.CompletedTask;
        if (Inputs.TryGetValue(name, out var inputs))
        {
            operation.Parameters ??= [];
            foreach (var (p, location, type, format, description) in inputs)
                if (!operation.Parameters.Any(x => x.Name == p && x.In == location))
                    operation.Parameters.Add(new OpenApiParameter
                    {
                        Name = p, In = location, Required = false, Description = description,
                        Schema = new OpenApiSchema { Type = type, Format = format },
                    });
        }
        if (JsonBodies.Contains(name) && operation.RequestBody is null)
            operation.RequestBody = new OpenApiRequestBody
            {
                Required = false,
                Description = "Any JSON value",
                Content = new Dictionary<string, OpenApiMediaType> { ["application/json"] = new() { Schema = new OpenApiSchema() } },
            };
        return Task.CompletedTask;
    }

    /// <summary>Requires <paramref name="role"/> on every route of the group and documents each route.</summary>
    public static RouteGroupBuilder WithDurableApiDocs(this RouteGroupBuilder group, FleetRole role)
    {
        group.RequireRole(role).WithTags(Tag);
        // Finally: the routes' own names are set after group conventions run.
        ((IEndpointConventionBuilder)group).Finally(b =>
        {
            var name = b.Metadata.OfType<IEndpointNameMetadata>().LastOrDefault()?.EndpointName;
            if (name is null || !Responses.TryGetValue(name, out var responses)) return;
            foreach (var (status, body) in responses)
                b.Metadata.Add(body is null
                    ? new ProducesResponseTypeMetadata(status, typeof(void))
                    : new ProducesResponseTypeMetadata(status, body, ["application/json"]));
            // Refusals come from the platform's authorization, in the platform's error envelope.
            foreach (var status in Auth) b.Metadata.Add(new ProducesResponseTypeMetadata(status, typeof(PlatformErrorBody), ["application/json"]));
            if (!b.Metadata.OfType<IEndpointDescriptionMetadata>().Any())
                b.Metadata.Add(new EndpointDescriptionAttribute(
                    $"Durable Functions management API. Requires the {role.ToString().ToLowerInvariant()} role (401 without credentials, 403 below it)."));
        });
        return group;
    }
}

/// <summary>The status of an orchestration instance, as Durable Functions' HTTP API answers it.</summary>
public sealed record DurableInstanceStatus(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("instanceId")] string InstanceId,
    [property: JsonPropertyName("runtimeStatus")] string RuntimeStatus,
    [property: JsonPropertyName("input")] JsonNode? Input,
    [property: JsonPropertyName("customStatus")] JsonNode? CustomStatus,
    [property: JsonPropertyName("output")] JsonNode? Output,
    [property: JsonPropertyName("createdTime")] string CreatedTime,
    [property: JsonPropertyName("lastUpdatedTime")] string LastUpdatedTime,
    [property: JsonPropertyName("historyEvents")] JsonArray? HistoryEvents);

/// <summary>An error of the Durable Functions management API.</summary>
public sealed record DurableApiError([property: JsonPropertyName("message")] string Message);

/// <summary>How many instances a purge deleted.</summary>
public sealed record DurablePurgeResult([property: JsonPropertyName("instancesDeleted")] int InstancesDeleted);

/// <summary>The platform's error envelope (401 and 403 of the management API).</summary>
public sealed record PlatformErrorBody(
    [property: JsonPropertyName("error")] PlatformErrorDetail Error,
    [property: JsonPropertyName("request_id")] string RequestId);

/// <summary>The code, message and details of a platform error.</summary>
public sealed record PlatformErrorDetail(
    [property: JsonPropertyName("code")] string Code,
    [property: JsonPropertyName("message")] string Message,
    [property: JsonPropertyName("details")] JsonObject? Details);
