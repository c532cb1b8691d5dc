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
            var envelope = family switch { "kubilitics" => "KubiliticsError", "snap" => "SnapError", "homei" => "HomeiError", _ => "FleetError" };
            foreach (var (status, response) in op["responses"]!.AsObject().Where(r => r.Key.StartsWith('4') || r.Key.StartsWith('5')))
                Assert.Equal($"#/components/schemas/{envelope}", (string?)response!["content"]!["application/json"]!["schema"]!["$ref"]);
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

    private static string Script(JsonNode item) =>
        string.Join("\n", item["event"]![0]!["script"]!["exec"]!.AsArray().Select(l => (string?)l));
}
