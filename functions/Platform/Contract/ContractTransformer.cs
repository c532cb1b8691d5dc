using System.Text;
using System.Text.Json.Nodes;
using Fleet.Core.Platform.Storage;
using Fleet.Functions.Platform.Auth;
using Fleet.Functions.Platform.Http;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Fleet.Functions.Platform.Contract;

/// <summary>
/// Completes the generated OpenAPI document from each endpoint's metadata, so that an endpoint mapped like its
/// neighbours is fully described without extra work:
/// <list type="bullet">
/// <item>security: the bearer token and <c>X-API-Key</c> on every operation, none on <c>.Anonymous()</c> ones;</item>
/// <item>a unique <c>operationId</c> (the endpoint's <c>.WithName</c>, else one made from method and path), a summary, a tag;</item>
/// <item>error responses in the family's envelope: 400 with input, 401/403 unless anonymous, 404 with path parameters,
/// 413 with a body, 429 where rate limits apply, 500, and whatever <c>.WithFamilyErrors(...)</c> adds;</item>
/// <item>the rate-limit headers, <c>Retry-After</c> on 429/503, <c>X-Request-ID</c> everywhere;</item>
/// <item>the input rules of <see cref="InputRules"/> as <c>maxLength</c>/<c>pattern</c>;</item>
/// <item>WebSocket and SSE routes (<c>.Streams(...)</c>) as such; request examples (<c>.WithRequestExample(...)</c>);</item>
/// <item>routes outside minimal APIs registered as <see cref="DocumentedRoute"/> (<c>/metrics</c>, the durable API);</item>
/// <item>servers relative to the host, tag descriptions, a licence.</item>
/// </list>
/// </summary>
public static class ContractTransformer
{
    public const string Bearer = "bearer";
    public const string ApiKey = "apiKey";

    public static readonly IReadOnlyDictionary<string, string> TagDescriptions = new Dictionary<string, string>
    {
        ["platform"] = "Health, sign-in, timers and metrics of the host itself; errors in CloudPioneer's envelope with CloudCore's codes.",
        ["kubeedge"] = "KubeEdge CloudCore (seeds/kubeedge-cloudcore-api.md): CloudCore, join tokens, devices, commands, streams, backups.",
        ["kubilitics"] = "Kubilitics (seeds/kubilitics-api.md): auth, API keys, users, permissions, audit log, clusters. Errors: {\"error\":\"...\"}.",
        ["snap"] = "SNAP (seeds/snap-api.md): cluster configurations and users. Errors: {success:false,error,details,code}.",
        ["homei"] = "Homei (seeds/homei-api.md): services on Docker, containers, RAUC updates, backups, system. Errors: {error:{code,message,details},timestamp}.",
        ["pioneer"] = "CloudPioneer (seeds/cloudpioneer-api.md): health and login. Errors: {error:{code,message,details},request_id}.",
        ["durable"] = "The Durable Functions management API where the 202 check-status links of long routes point.",
    };

    private static readonly Dictionary<int, string> ErrorDescriptions = new()
    {
        [400] = "Invalid input; the envelope names the field",
        [401] = "Missing, invalid or expired credentials",
        [403] = "The caller's role does not allow this",
        [404] = "No such resource or route",
        [409] = "Conflicts with the current state (exists already, changed meanwhile)",
        [413] = "Request body over the configured limit",
        [423] = "Account locked after repeated failed logins",
        [429] = "Rate limit exceeded; retry after Retry-After seconds",
        [500] = "Unexpected server error; the envelope carries the request id, never internals",
        [502] = "An upstream peer (Docker, RAUC, a cluster, the broker) failed or is unreachable",
        [503] = "A required component is unavailable",
        [504] = "An upstream peer did not answer in time",
    };

    public static Task TransformAsync(OpenApiDocument doc, OpenApiDocumentTransformerContext context, CancellationToken ct)
    {
        var descriptions = context.DescriptionGroups.SelectMany(g => g.Items)
            .GroupBy(d => Key(d.HttpMethod ?? "GET", "/" + StripConstraints(d.RelativePath ?? "")))
            .ToDictionary(g => g.Key, g => g.First());

        doc.Info ??= new OpenApiInfo();
        doc.Info.License = new OpenApiLicense { Name = "Proprietary (Fleet)", Identifier = "LicenseRef-Fleet-Proprietary" };
        doc.Info.Contact ??= new OpenApiContact { Name = "Fleet", Url = new Uri("https://fleet.invalid/") };
        doc.Servers = [new OpenApiServer { Url = "/", Description = "The host serving this document" }];
        doc.Components ??= new OpenApiComponents();
        doc.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
        doc.Components.SecuritySchemes[Bearer] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.Http, Scheme = "bearer", BearerFormat = "JWT",
            Description = "An access token from a login route, or an API key, as `Authorization: Bearer <token>`",
        };
        doc.Components.SecuritySchemes[ApiKey] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.ApiKey, In = ParameterLocation.Header, Name = FleetAuthenticationHandler.ApiKeyHeader,
            Description = "An API key from POST /api/kubilitics/v1/auth/api-keys",
        };
        AddErrorSchemas(doc);
        AddHeaders(doc);

        // Routes outside minimal APIs belong to the whole document only ("v1").
        var routes = context.DocumentName == "v1" ? context.ApplicationServices.GetServices<DocumentedRoute>().ToList() : [];
        foreach (var route in routes) AddDocumentedRoute(doc, route);

        var usedIds = new HashSet<string>(StringComparer.Ordinal);
        var usedTags = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (path, item) in doc.Paths.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            if (item.Operations is null) continue;
            foreach (var (method, op) in item.Operations)
            {
                descriptions.TryGetValue(Key(method.Method, path), out var description);
                var metadata = description?.ActionDescriptor.EndpointMetadata ?? [];
                var route = routes.FirstOrDefault(r => r.Path == path && string.Equals(r.Method, method.Method, StringComparison.OrdinalIgnoreCase));
                Complete(doc, path, method.Method, op, metadata, route, usedIds, usedTags);
            }
        }

        doc.Tags = new HashSet<OpenApiTag>(usedTags.OrderBy(t => t).Select(t => new OpenApiTag
        {
            Name = t, Description = TagDescriptions.TryGetValue(t, out var d) ? d : $"Routes under /api/{t}",
        }));
        return Task.CompletedTask;
    }

    private static void Complete(OpenApiDocument doc, string path, string method, OpenApiOperation op, IList<object> metadata,
        DocumentedRoute? route, HashSet<string> usedIds, HashSet<string> usedTags)
    {
        var family = FleetFamilies.FromPath(path);
        var anonymous = route?.Anonymous ?? metadata.OfType<AnonymousAccess>().Any();
        var stream = metadata.OfType<StreamRoute>().LastOrDefault();

        // Identity: a unique operationId, a summary, a tag.
        var id = op.OperationId is { Length: > 0 } given ? given : MakeOperationId(method, path);
        var unique = id;
        for (var n = 2; !usedIds.Add(unique); n++) unique = id + n;
        op.OperationId = unique;
        op.Summary ??= $"{method.ToUpperInvariant()} {path}";
        var tag = op.Tags?.FirstOrDefault()?.Name
                  ?? (path.StartsWith("/runtime/", StringComparison.Ordinal) ? "durable" : family == FleetFamily.Platform ? "platform" : FleetFamilies.Segments[family]);
        op.Tags = new HashSet<OpenApiTagReference> { new(tag, doc) };
        usedTags.Add(tag);

        // Security: both schemes, or explicitly none.
        op.Security = anonymous
            ? []
            : [new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(Bearer, doc)] = [] },
               new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(ApiKey, doc)] = [] }];

        // Input rules as schema constraints.
        foreach (var p in op.Parameters?.OfType<OpenApiParameter>() ?? [])
        {
            if (p.Schema is not OpenApiSchema s || s.Type is not { } t || !t.HasFlag(JsonSchemaType.String) || s.Format is not null) continue;
            if (p.In == ParameterLocation.Path)
            {
                s.MaxLength = TableKeys.MaxNameLength;
                s.MinLength = 1;
                s.Pattern = TableKeys.Pattern;
            }
            else if (p.In == ParameterLocation.Query) s.MaxLength = InputRules.MaxQueryLength;
        }

        var example = metadata.OfType<RequestExample>().LastOrDefault();
        if (example is not null && op.RequestBody?.Content?.TryGetValue("application/json", out var media) == true)
            media.Example = example.Body.DeepClone();

        // Responses: the success ones get the common headers, streams are described as streams.
        op.Responses ??= new OpenApiResponses();
        var limited = !IsUnlimited(path);
        if (stream?.Kind == StreamKind.WebSocket)
        {
            op.Description = Append(op.Description, "WebSocket: send a GET with `Connection: Upgrade` and `Upgrade: websocket`; " +
                "the server answers 101 and then sends one JSON text message per event. Without the upgrade the answer is 400.");
            op.Responses.Remove("200");
            op.Responses["101"] = new OpenApiResponse { Description = "Switching Protocols: the WebSocket is open" };
        }
        else if (stream?.Kind == StreamKind.ServerSentEvents)
        {
            op.Description = Append(op.Description, "Server-sent events: `text/event-stream`, one `data:` line of JSON per event, until the client disconnects.");
            op.Responses["200"] = new OpenApiResponse
            {
                Description = "An event stream",
                Content = new Dictionary<string, OpenApiMediaType> { ["text/event-stream"] = new() { Schema = new OpenApiSchema { Type = JsonSchemaType.String } } },
            };
        }
        if (stream is not null)
        {
            op.Extensions ??= new Dictionary<string, IOpenApiExtension>();
            op.Extensions["x-fleet-stream"] = new JsonNodeExtension(JsonValue.Create(stream.Kind == StreamKind.WebSocket ? "websocket" : "sse"));
        }
        foreach (var (status, response) in op.Responses.ToList())
        {
            if (response is not OpenApiResponse r) continue;
            if (string.IsNullOrEmpty(r.Description) || r.Description == "OK") r.Description = status switch
            {
                "200" => "OK", "201" => "Created", "202" => "Accepted: long work started; follow the check-status links", "204" => "No content", _ => r.Description ?? status,
            };
            if (status.StartsWith('2')) AddSuccessHeaders(doc, r, limited);
        }

        // Errors in the family's envelope.
        var errors = new SortedSet<int> { 500 };
        var hasInput = op.Parameters?.Count > 0 || op.RequestBody is not null || stream is not null;
        if (hasInput) errors.Add(400);
        if (!anonymous) { errors.Add(401); errors.Add(403); }
        if (op.Parameters?.Any(p => p.In == ParameterLocation.Path) == true) errors.Add(404);
        if (op.RequestBody is not null) errors.Add(413);
        if (limited) errors.Add(429);
        // Logins answer bad credentials and locked accounts themselves.
        if (metadata.OfType<SelfAudited>().Any()) { errors.Add(401); errors.Add(423); }
        foreach (var s in metadata.OfType<FamilyErrors>().SelectMany(f => f.Statuses)) errors.Add(s);
        foreach (var s in route?.Errors ?? []) errors.Add(s);
        foreach (var s in metadata.OfType<Microsoft.AspNetCore.Http.Metadata.IProducesResponseTypeMetadata>().Select(m => m.StatusCode).Where(s => s >= 400))
            errors.Add(s);
        foreach (var status in errors)
            op.Responses[status.ToString()] = ErrorResponse(doc, family, status);
    }

    private static OpenApiResponse ErrorResponse(OpenApiDocument doc, FleetFamily family, int status)
    {
        var r = new OpenApiResponse
        {
            Description = ErrorDescriptions.TryGetValue(status, out var d) ? d : "Error",
            Content = new Dictionary<string, OpenApiMediaType>
            {
                ["application/json"] = new() { Schema = new OpenApiSchemaReference(ErrorSchemaName(family), doc) },
            },
            Headers = new Dictionary<string, IOpenApiHeader> { ["X-Request-ID"] = new OpenApiHeaderReference("X-Request-ID", doc) },
        };
        if (status == 429)
            foreach (var h in new[] { "X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset", "Retry-After" })
                r.Headers[h] = new OpenApiHeaderReference(h, doc);
        if (status == 503) r.Headers["Retry-After"] = new OpenApiHeaderReference("Retry-After", doc);
        return r;
    }

    private static void AddSuccessHeaders(OpenApiDocument doc, OpenApiResponse r, bool limited)
    {
        r.Headers ??= new Dictionary<string, IOpenApiHeader>();
        r.Headers["X-Request-ID"] = new OpenApiHeaderReference("X-Request-ID", doc);
        if (!limited) return;
        foreach (var h in new[] { "X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset" })
            r.Headers[h] = new OpenApiHeaderReference(h, doc);
    }

    /// <summary>Health probes and /metrics are never rate limited (<see cref="RateLimitPolicies"/>), except Homei's health.</summary>
    private static bool IsUnlimited(string path) =>
        path == "/metrics" || (!path.StartsWith("/api/homei/", StringComparison.Ordinal) && path.Split('/').Contains("health"));

    public static string ErrorSchemaName(FleetFamily family) => family switch
    {
        FleetFamily.Kubilitics => "KubiliticsError",
        FleetFamily.Snap => "SnapError",
        FleetFamily.Homei => "HomeiError",
        _ => "FleetError",
    };

    private static void AddErrorSchemas(OpenApiDocument doc)
    {
        var schemas = doc.Components!.Schemas ??= new Dictionary<string, IOpenApiSchema>();
        static OpenApiSchema Str(string description) => new() { Type = JsonSchemaType.String, Description = description };
        OpenApiSchema Nested() => new()
        {
            Type = JsonSchemaType.Object, Required = new HashSet<string> { "code", "message" },
            Properties = new Dictionary<string, IOpenApiSchema>
            {
                ["code"] = Str("The family's error code (CloudCore's API-001..API-008 on KubeEdge and platform routes)"),
                ["message"] = Str("What went wrong, naming the field"),
                ["details"] = new OpenApiSchema { Type = JsonSchemaType.Object, Description = "field, request_id and other details", AdditionalProperties = Str("detail") },
            },
        };
        schemas["KubiliticsError"] = new OpenApiSchema
        {
            Type = JsonSchemaType.Object, Description = "Kubilitics' error envelope", Required = new HashSet<string> { "error" },
            Properties = new Dictionary<string, IOpenApiSchema> { ["error"] = Str("What went wrong, naming the field") },
        };
        schemas["SnapError"] = new OpenApiSchema
        {
            Type = JsonSchemaType.Object, Description = "SNAP's error envelope", Required = new HashSet<string> { "success", "error", "code" },
            Properties = new Dictionary<string, IOpenApiSchema>
            {
                ["success"] = new OpenApiSchema { Type = JsonSchemaType.Boolean, Const = "false" },
                ["error"] = Str("What went wrong"),
                ["details"] = Str("field: ...; request_id: ..."),
                ["code"] = Str("VALIDATION_ERROR, AUTHENTICATION_FAILED, PERMISSION_DENIED, NOT_FOUND, ..."),
            },
        };
        schemas["HomeiError"] = new OpenApiSchema
        {
            Type = JsonSchemaType.Object, Description = "Homei's error envelope", Required = new HashSet<string> { "error", "timestamp" },
            Properties = new Dictionary<string, IOpenApiSchema> { ["error"] = Nested(), ["timestamp"] = new OpenApiSchema { Type = JsonSchemaType.String, Format = "date-time" } },
        };
        schemas["FleetError"] = new OpenApiSchema
        {
            Type = JsonSchemaType.Object, Description = "CloudPioneer's error envelope, also used by KubeEdge and the platform routes",
            Required = new HashSet<string> { "error", "request_id" },
            Properties = new Dictionary<string, IOpenApiSchema> { ["error"] = Nested(), ["request_id"] = Str("The request's X-Request-ID") },
        };
    }

    private static void AddHeaders(OpenApiDocument doc)
    {
        var headers = doc.Components!.Headers ??= new Dictionary<string, IOpenApiHeader>();
        static OpenApiHeader Int(string description) => new() { Description = description, Schema = new OpenApiSchema { Type = JsonSchemaType.Integer } };
        headers["X-RateLimit-Limit"] = Int("Requests allowed in the current window");
        headers["X-RateLimit-Remaining"] = Int("Requests left in the current window");
        headers["X-RateLimit-Reset"] = Int("When the window resets (Unix seconds)");
        headers["Retry-After"] = Int("Seconds to wait before retrying");
        headers["X-Request-ID"] = new OpenApiHeader { Description = "The request's id (yours, echoed, or a new one)", Schema = new OpenApiSchema { Type = JsonSchemaType.String } };
    }

    private static void AddDocumentedRoute(OpenApiDocument doc, DocumentedRoute route)
    {
        if (!doc.Paths.TryGetValue(route.Path, out var item))
            doc.Paths[route.Path] = item = new OpenApiPathItem();
        var pathItem = (OpenApiPathItem)item;
        pathItem.Operations ??= new Dictionary<HttpMethod, OpenApiOperation>();
        var method = new HttpMethod(route.Method.ToUpperInvariant());
        if (pathItem.Operations.ContainsKey(method)) return;
        var parameters = new List<IOpenApiParameter>();
        foreach (var p in route.PathParameters ?? [])
            parameters.Add(new OpenApiParameter { Name = p, In = ParameterLocation.Path, Required = true, Schema = new OpenApiSchema { Type = JsonSchemaType.String } });
        foreach (var p in route.QueryParameters ?? [])
            parameters.Add(new OpenApiParameter { Name = p, In = ParameterLocation.Query, Schema = new OpenApiSchema { Type = JsonSchemaType.String } });
        var op = new OpenApiOperation
        {
            OperationId = route.OperationId,
            Summary = route.Summary,
            Tags = new HashSet<OpenApiTagReference> { new(route.Tag, doc) },
            Parameters = parameters.Count > 0 ? parameters : null,
            Responses = new OpenApiResponses
            {
                ["200"] = new OpenApiResponse
                {
                    Description = "OK",
                    Content = new Dictionary<string, OpenApiMediaType>
                    {
                        [route.ContentType] = new() { Schema = new OpenApiSchema { Type = route.ContentType == "application/json" ? JsonSchemaType.Object : JsonSchemaType.String } },
                    },
                },
            },
        };
        if (route.HasJsonBody)
            op.RequestBody = new OpenApiRequestBody
            {
                Content = new Dictionary<string, OpenApiMediaType> { ["application/json"] = new() { Schema = new OpenApiSchema { Type = JsonSchemaType.Object } } },
            };
        pathItem.Operations[method] = op;
    }

    /// <summary>e.g. GET /api/kubeedge/device/{id}/command → kubeedgeGetDeviceByIdCommand.</summary>
    public static string MakeOperationId(string method, string path)
    {
        var sb = new StringBuilder();
        var segments = path.Split('/', StringSplitOptions.RemoveEmptyEntries).SkipWhile(s => s == "api").ToList();
        var family = segments.Count > 0 && FleetFamilies.Segments.Values.Contains(segments[0]) ? segments[0] : "platform";
        if (family != "platform") segments.RemoveAt(0);
        sb.Append(family).Append(Pascal(method.ToLowerInvariant()));
        foreach (var s in segments)
            sb.Append(s.StartsWith('{') ? "By" + Pascal(s.Trim('{', '}')) : Pascal(s));
        return sb.ToString();
    }

    private static string Pascal(string s) =>
        string.Concat(s.Split(['-', '_', '.', ' '], StringSplitOptions.RemoveEmptyEntries)
            .Select(w => new string(w.Where(char.IsLetterOrDigit).ToArray()))
            .Where(w => w.Length > 0)
            .Select(w => char.ToUpperInvariant(w[0]) + w[1..]));

    private static string Append(string? a, string b) => string.IsNullOrEmpty(a) ? b : a + "\n\n" + b;

    private static string Key(string method, string path) => method.ToUpperInvariant() + " " + path;

    private static string StripConstraints(string path)
    {
        var sb = new StringBuilder();
        var inConstraint = false;
        foreach (var c in path)
        {
            if (c == '}') inConstraint = false;
            if (c == ':' && sb.ToString().LastIndexOf('{') > sb.ToString().LastIndexOf('}')) inConstraint = true;
            if (!inConstraint && c != '?') sb.Append(c);
        }
        return sb.ToString();
    }
}
