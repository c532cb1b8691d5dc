using System.Net;
using System.Text.Json.Nodes;
using Fleet.Tests.Support;
using Microsoft.OpenApi;
using Microsoft.OpenApi.Reader;

namespace Fleet.Tests.Platform;

public sealed class ApiDocumentTests : IAsyncLifetime
{
    private FleetApp _app = null!;
    public async Task InitializeAsync() => _app = await FleetApp.StartAsync();
    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task OpenApi_document_is_valid_3_1_and_lists_the_routes()
    {
        var text = await _app.Client.GetStringAsync("/api/openapi.json");
        Assert.StartsWith("3.1", (string?)JsonNode.Parse(text)!["openapi"]);
        var result = OpenApiDocument.Parse(text, "json", new OpenApiReaderSettings());
        Assert.Empty(result.Diagnostic!.Errors);
        Assert.Equal(OpenApiSpecVersion.OpenApi3_1, result.Diagnostic.SpecificationVersion);
        Assert.Contains("/api/health", result.Document!.Paths.Keys);
        Assert.Contains("/api/homei/health/ready", result.Document.Paths.Keys);
        Assert.Contains("/api/kubilitics/capabilities", result.Document.Paths.Keys);
    }

    [Theory]
    [InlineData("kubeedge")]
    [InlineData("homei")]
    [InlineData("kubilitics")]
    [InlineData("pioneer")]
    public async Task Each_family_has_its_own_document_with_only_its_routes(string family)
    {
        var text = await _app.Client.GetStringAsync($"/api/{family}/openapi.json");
        var doc = OpenApiDocument.Parse(text, "json", new OpenApiReaderSettings()).Document!;
        Assert.NotEmpty(doc.Paths);
        Assert.All(doc.Paths.Keys, p => Assert.StartsWith($"/api/{family}/", p));
    }

    [Fact]
    public async Task Swagger_ui_is_served()
    {
        var r = await _app.Client.GetAsync("/api/swagger-ui/index.html");
        Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        Assert.Contains("swagger-ui", await r.Content.ReadAsStringAsync());
        var redirect = await _app.Client.GetAsync("/api/swagger-ui");
        Assert.Equal(HttpStatusCode.OK, redirect.StatusCode);
        var config = await _app.Client.GetStringAsync("/api/swagger-ui/index.js");
        Assert.Contains("/api/openapi.json", config);
    }

    [Fact]
    public async Task Postman_collection_is_v2_1_with_a_login_first_and_one_tested_request_per_non_stream_route()
    {
        var openapi = JsonNode.Parse(await _app.Client.GetStringAsync("/api/openapi.json"))!;
        var operations = openapi["paths"]!.AsObject()
            .SelectMany(p => p.Value!.AsObject().Where(m => m.Value!["x-fleet-stream"] is null).Select(m => $"{m.Key.ToUpperInvariant()} {p.Key}")).ToHashSet();

        var postman = JsonNode.Parse(await _app.Client.GetStringAsync("/api/postman.json"))!;
        Assert.Equal("https://schema.getpostman.com/json/collection/v2.1.0/collection.json", (string?)postman["info"]!["schema"]);
        var folders = postman["item"]!.AsArray();
        Assert.Equal("login", (string?)folders[0]!["name"]);
        Assert.Contains("pm.collectionVariables.set('token'", Script(folders[0]!["item"]![0]!));
        var items = folders.Skip(1).SelectMany(f => f!["item"]!.AsArray()).ToList();
        var requests = items
            .Select(i => $"{(string?)i!["request"]!["method"]} /{string.Join('/', i["request"]!["url"]!["path"]!.AsArray().Select(s => ((string)s!).StartsWith(':') ? "{" + ((string)s!)[1..] + "}" : (string)s!))}")
            .ToList();
        Assert.Equal(operations.OrderBy(x => x), requests.OrderBy(x => x));
        Assert.All(items, i => Assert.Contains("status is one the OpenAPI document lists", Script(i!)));
        Assert.All(items.Where(i => i!["request"]!["url"]!["variable"] is not null),
            i => Assert.All(i!["request"]!["url"]!["variable"]!.AsArray(), v => Assert.False(string.IsNullOrEmpty((string?)v!["value"]))));
        Assert.DoesNotContain(requests, r => r.Contains("/ws") || r.EndsWith("/monitor/stream"));
    }

    [Fact]
    public async Task Durable_management_routes_are_documented_with_their_statuses_and_role()
    {
        var text = await _app.Client.GetStringAsync("/api/openapi.json");
        Assert.Empty(OpenApiDocument.Parse(text, "json", new OpenApiReaderSettings()).Diagnostic!.Errors);
        var paths = JsonNode.Parse(text)!["paths"]!.AsObject();
        var durable = paths.Where(p => p.Key.StartsWith("/runtime/webhooks/durabletask/", StringComparison.Ordinal))
            .SelectMany(p => p.Value!.AsObject().Select(m => (Route: $"{m.Key.ToUpperInvariant()} {p.Key}", Operation: m.Value!))).ToList();
        // Start, status, list, purge one and many, raise event, terminate, suspend, resume, restart, rewind, entities (GET and POST).
        Assert.Equal(13, durable.Count);
        Assert.All(durable, d =>
        {
            Assert.Contains("durable", d.Operation["tags"]!.AsArray().Select(t => (string?)t));
            Assert.Contains("requires the operator role", ((string?)d.Operation["description"] ?? "").ToLowerInvariant());
            Assert.NotNull(d.Operation["responses"]!["401"]);
            Assert.NotNull(d.Operation["responses"]!["403"]);
        });
        string Statuses(string route) => string.Join(",", durable.Single(d => d.Route == route).Operation["responses"]!.AsObject().Select(r => r.Key).Order());
        // The handlers' own statuses (the contract adds the edge's 400 and the rate limit's 429 everywhere).
        Assert.Superset(new HashSet<string> { "200", "202", "401", "403", "404", "500" }, Statuses("GET /runtime/webhooks/durabletask/instances/{instanceId}").Split(',').ToHashSet());
        Assert.Superset(new HashSet<string> { "202", "400", "401", "403", "404", "410" }, Statuses("POST /runtime/webhooks/durabletask/instances/{instanceId}/raiseEvent/{eventName}").Split(',').ToHashSet());
        Assert.Superset(new HashSet<string> { "202", "401", "403", "404", "412", "501" }, Statuses("POST /runtime/webhooks/durabletask/instances/{instanceId}/rewind").Split(',').ToHashSet());
        string Parameters(string route) => string.Join(",", durable.Single(d => d.Route == route).Operation["parameters"]!.AsArray().Select(p => $"{(string?)p!["in"]}:{(string?)p["name"]}"));
        Assert.Contains("query:showHistory", Parameters("GET /runtime/webhooks/durabletask/instances/{instanceId}"));
        Assert.Contains("header:x-ms-continuation-token", Parameters("GET /runtime/webhooks/durabletask/instances"));
        Assert.NotNull(durable.Single(d => d.Route.StartsWith("POST /runtime/webhooks/durabletask/orchestrators/", StringComparison.Ordinal)).Operation["requestBody"]);
        var status = durable.Single(d => d.Route == "GET /runtime/webhooks/durabletask/instances/{instanceId}").Operation["responses"]!["200"]!["content"]!["application/json"]!["schema"]!.ToJsonString();
        Assert.Contains("DurableInstanceStatus", status);
        var schema = JsonNode.Parse(text)!["components"]!["schemas"]!["DurableInstanceStatus"]!["properties"]!.AsObject().Select(p => p.Key).ToList();
        Assert.Contains("runtimeStatus", schema);
        Assert.Contains("customStatus", schema);

        // Not in a family's own document.
        var kubeedge = JsonNode.Parse(await _app.Client.GetStringAsync("/api/kubeedge/openapi.json"))!["paths"]!.AsObject();
        Assert.DoesNotContain(kubeedge, p => p.Key.StartsWith("/runtime/", StringComparison.Ordinal));
    }

    [Fact]
    public async Task OpenApi_declares_security_unique_operation_ids_family_error_envelopes_and_rate_limit_headers()
    {
        var doc = JsonNode.Parse(await _app.Client.GetStringAsync("/api/openapi.json"))!;
        Assert.NotNull(doc["components"]!["securitySchemes"]!["bearer"]);
        Assert.Equal("X-API-Key", (string?)doc["components"]!["securitySchemes"]!["apiKey"]!["name"]);
        Assert.Equal("/", (string?)doc["servers"]![0]!["url"]);
        Assert.NotNull(doc["info"]!["license"]);
        Assert.All(doc["tags"]!.AsArray(), t => Assert.False(string.IsNullOrEmpty((string?)t!["description"])));
        var ops = doc["paths"]!.AsObject().SelectMany(p => p.Value!.AsObject().Select(m => (Path: p.Key, Method: m.Key, Op: m.Value!))).ToList();
        Assert.Contains(ops, o => o.Path == "/metrics");
        var ids = ops.Select(o => (string?)o.Op["operationId"]).ToList();
        Assert.All(ids, id => Assert.False(string.IsNullOrEmpty(id)));
        Assert.Equal(ids.Count, ids.Distinct().Count());
        foreach (var (path, method, op) in ops)
        {
            Assert.True(op["security"] is JsonArray, $"{method} {path} has no security");
            var family = path.Split('/').ElementAtOrDefault(2);
            var envelope = family switch { "kubilitics" => "KubiliticsError", "snap" => "SnapError", "homei" => "HomeiError", "webhooks" => "DurableApiError", _ => "FleetError" };
            foreach (var (status, response) in op["responses"]!.AsObject().Where(r => r.Key.StartsWith('4') || r.Key.StartsWith('5')))
            {
                var schema = (string?)response!["content"]!["application/json"]!["schema"]!["$ref"];
                // The durable API's own errors are Durable Functions' {"message"}; the platform's edge checks, sign-in and
                // rate limit answer in the platform envelope there.
                if (family == "webhooks") Assert.Contains(schema, new[] { "#/components/schemas/DurableApiError", "#/components/schemas/FleetError" });
                // A module may name its error type otherwise; its shape must be the family envelope's.
                else Assert.Equal(Shape(doc, $"#/components/schemas/{envelope}"), Shape(doc, schema!));
            }
        }
        var health = ops.Single(o => o.Path == "/api/health").Op;
        Assert.Empty(health["security"]!.AsArray());
        var create = ops.Single(o => o.Path == "/api/homei/v1/services" && o.Method == "post").Op;
        Assert.NotNull(create["responses"]!["429"]!["headers"]!["Retry-After"]);
        Assert.NotNull(create["responses"]!["201"]!["headers"]!["X-RateLimit-Remaining"]);
        var ws = ops.Single(o => o.Path == "/api/kubeedge/ws").Op;
        Assert.Equal("websocket", (string?)ws["x-fleet-stream"]);
        Assert.NotNull(ws["responses"]!["101"]);
        var sse = ops.Single(o => o.Path == "/api/kubeedge/monitor/stream").Op;
        Assert.NotNull(sse["responses"]!["200"]!["content"]!["text/event-stream"]);
        var pathParam = ops.Single(o => o.Path == "/api/homei/v1/services/{service_name}" && o.Method == "get").Op["parameters"]![0]!["schema"]!;
        Assert.Equal(256, (int?)pathParam["maxLength"]);
        Assert.NotNull(pathParam["pattern"]);
    }

    private static string Shape(JsonNode doc, string reference) =>
        string.Join(",", doc["components"]!["schemas"]![reference.Split('/')[^1]]!["properties"]!.AsObject().Select(p => p.Key).Order());

    private static string Script(JsonNode item) =>
        string.Join("\n", item["event"]![0]!["script"]!["exec"]!.AsArray().Select(l => (string?)l));
}
