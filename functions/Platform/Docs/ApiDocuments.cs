using Fleet.Functions.Platform.Auth;
using Fleet.Functions.Platform.Contract;
using Fleet.Functions.Platform.Http;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Fleet.Functions.Platform.Docs;

/// <summary>
/// OpenAPI 3.1 documents generated from the mapped endpoints (one for everything, one per family),
/// Swagger UI over them, and Postman v2.1 collections made from the same documents.
/// </summary>
public static class ApiDocuments
{
    /// <summary>The whole API; the framework's default name, which a pattern without {documentName} serves.</summary>
    public const string AllDocument = "v1";

    public static IServiceCollection AddFleetApiDocuments(this IServiceCollection services)
    {
        services.AddOpenApi(AllDocument, o =>
        {
            o.OpenApiVersion = OpenApiSpecVersion.OpenApi3_1;
            o.AddDocumentTransformer((doc, _, _) =>
            {
                doc.Info = new OpenApiInfo { Title = "Fleet", Version = "1.0.0", Description = "One control plane for edge devices, Kubernetes clusters and home servers." };
                return Task.CompletedTask;
            });
            o.AddOperationTransformer(DurableApiDocs.DescribeInputsAsync);
            o.AddDocumentTransformer(ContractTransformer.TransformAsync);
            o.AddSchemaTransformer(ContractSchemas.TransformAsync);
        });
        foreach (var (family, segment) in FleetFamilies.Segments)
        {
            services.AddOpenApi(segment, o =>
            {
                o.OpenApiVersion = OpenApiSpecVersion.OpenApi3_1;
                o.ShouldInclude = d => (d.RelativePath ?? "").StartsWith($"api/{segment}/", StringComparison.OrdinalIgnoreCase)
                                       || string.Equals(d.RelativePath, $"api/{segment}", StringComparison.OrdinalIgnoreCase);
                o.AddDocumentTransformer((doc, _, _) =>
                {
                    doc.Info = new OpenApiInfo { Title = $"Fleet — {family}", Version = "1.0.0", Description = ContractTransformer.TagDescriptions[segment] };
                    return Task.CompletedTask;
                });
                o.AddDocumentTransformer(ContractTransformer.TransformAsync);
                o.AddSchemaTransformer(ContractSchemas.TransformAsync);
            });
        }
        return services;
    }

    public static void MapFleetApiDocuments(this WebApplication app, HttpSettings settings)
    {
        var prefix = settings.RoutePrefix;
        app.MapOpenApi($"/{prefix}/openapi.json").Anonymous().ExcludeFromDescription();
        app.MapOpenApi($"/{prefix}/{{documentName}}/openapi.json").Anonymous().ExcludeFromDescription();

        app.MapGet($"/{prefix}/postman.json", (HttpContext ctx, IServiceProvider sp, CancellationToken ct) =>
                PostmanAsync(ctx, sp, AllDocument, ct))
            .Anonymous().ExcludeFromDescription();
        app.MapGet($"/{prefix}/{{documentName}}/postman.json", (string documentName, HttpContext ctx, IServiceProvider sp, CancellationToken ct) =>
                PostmanAsync(ctx, sp, documentName, ct))
            .Anonymous().ExcludeFromDescription();

        UseSwaggerUi(app, $"{prefix}/swagger-ui", $"/{prefix}/openapi.json", "Fleet");
        foreach (var segment in FleetFamilies.Segments.Values)
            UseSwaggerUi(app, $"{prefix}/{segment}/swagger-ui", $"/{prefix}/{segment}/openapi.json", segment);
    }

    /// <summary>Swagger UI for one document; also used for a family's own docs route (Homei's /docs).</summary>
    public static void UseSwaggerUi(IApplicationBuilder app, string routePrefix, string documentUrl, string title) =>
        UseUnder(app, routePrefix, b => b.UseSwaggerUI(o =>
        {
            o.RoutePrefix = routePrefix;
            o.SwaggerEndpoint(documentUrl, title);
            o.DocumentTitle = $"{title} API";
        }));

    /// <summary>
    /// Runs a docs middleware only for requests under its route prefix. Swagger UI and ReDoc test every
    /// request against regexes of their own through Regex's static cache; with eight of them the cache
    /// thrashed and every API request recompiled regexes (most of the pipeline's time in the identity benchmark).
    /// </summary>
    public static void UseUnder(IApplicationBuilder app, string routePrefix, Action<IApplicationBuilder> configure)
    {
        var path = new PathString("/" + routePrefix.Trim('/'));
        app.UseWhen(c => c.Request.Path.StartsWithSegments(path, StringComparison.OrdinalIgnoreCase), configure);
    }

    private static async Task<IResult> PostmanAsync(HttpContext ctx, IServiceProvider sp, string documentName, CancellationToken ct)
    {
        var provider = sp.GetKeyedService<IOpenApiDocumentProvider>(documentName);
        if (provider is null) return Results.NotFound();
        var doc = await provider.GetOpenApiDocumentAsync(ct);
        var baseUrl = $"{ctx.Request.Scheme}://{ctx.Request.Host}";
        var json = System.Text.Json.Nodes.JsonNode.Parse(await doc.SerializeAsJsonAsync(OpenApiSpecVersion.OpenApi3_1, ct))!.AsObject();
        return Results.Text(PostmanCollection.FromOpenApi(json, baseUrl).ToJsonString(), "application/json");
    }
}
