using System.Text.Json.Nodes;

namespace Fleet.Functions.Platform.Docs;

/// <summary>
/// Builds a Postman v2.1 collection from the OpenAPI document (its JSON), foldered by tag, that runs as it is under
/// newman: a first "login" request fills the collection's bearer token from <c>{{username}}</c>/<c>{{password}}</c>;
/// each request has path variables with example values, a body from the operation's example (else one made from
/// its schema), and a test script checking that the status is one the document lists for the operation and that
/// the body is JSON in the documented shape (the family's error envelope for errors). Streams (WebSocket, SSE) are
/// left out; operations that end the session (logout) run last.
/// </summary>
public static class PostmanCollection
{
    public const string Schema = "https://schema.getpostman.com/json/collection/v2.1.0/collection.json";

    public static JsonObject FromOpenApi(JsonObject doc, string baseUrl)
    {
        var folders = new SortedDictionary<string, JsonArray>(StringComparer.Ordinal);
        var last = new JsonArray();
        foreach (var (path, item) in doc["paths"]!.AsObject())
        {
            foreach (var (method, node) in item!.AsObject())
            {
                if (node is not JsonObject op || method is not ("get" or "put" or "post" or "delete" or "patch")) continue;
                if (op["x-fleet-stream"] is not null) continue;
                var request = Request(doc, path, method.ToUpperInvariant(), op);
                if (path.EndsWith("/logout", StringComparison.Ordinal)) { last.Add(request); continue; }
                var folder = op["tags"]?[0]?.GetValue<string>() ?? "platform";
                if (!folders.TryGetValue(folder, out var items)) folders[folder] = items = new JsonArray();
                items.Add(request);
            }
        }

        var all = new JsonArray(Login());
        foreach (var (name, items) in folders) all.Add(new JsonObject { ["name"] = name, ["item"] = items });
        if (last.Count > 0) all.Add(new JsonObject { ["name"] = "session-end", ["item"] = last });
        return new JsonObject
        {
            ["info"] = new JsonObject
            {
                ["_postman_id"] = Guid.NewGuid().ToString(),
                ["name"] = doc["info"]?["title"]?.GetValue<string>() ?? "Fleet",
                ["description"] = "Run with newman: newman run postman.json --env-var username=admin --env-var password=<password>",
                ["schema"] = Schema,
            },
            ["item"] = all,
            ["variable"] = new JsonArray(
                new JsonObject { ["key"] = "baseUrl", ["value"] = baseUrl },
                new JsonObject { ["key"] = "username", ["value"] = "admin" },
                new JsonObject { ["key"] = "password", ["value"] = "" },
                new JsonObject { ["key"] = "token", ["value"] = "" }),
            ["auth"] = new JsonObject
            {
                ["type"] = "bearer",
                ["bearer"] = new JsonArray(new JsonObject { ["key"] = "token", ["value"] = "{{token}}", ["type"] = "string" }),
            },
        };
    }

    /// <summary>The first request: logs in and keeps the access token for the collection's bearer auth.</summary>
    private static JsonObject Login() => new()
    {
        ["name"] = "login",
        ["item"] = new JsonArray(new JsonObject
        {
            ["name"] = "Log in (fills the collection's bearer token)",
            ["request"] = new JsonObject
            {
                ["method"] = "POST",
                ["auth"] = new JsonObject { ["type"] = "noauth" },
                ["header"] = new JsonArray(new JsonObject { ["key"] = "Content-Type", ["value"] = "application/json" }),
                ["url"] = new JsonObject
                {
                    ["raw"] = "{{baseUrl}}/api/auth/login",
                    ["host"] = new JsonArray("{{baseUrl}}"),
                    ["path"] = new JsonArray("api", "auth", "login"),
                },
                ["body"] = RawJson("{\"username\":\"{{username}}\",\"password\":\"{{password}}\"}"),
            },
            ["event"] = Tests(
                "pm.test('login succeeds', function () { pm.response.to.have.status(200); });",
                "var body = pm.response.json();",
                "pm.test('an access token', function () { pm.expect(body.access_token).to.be.a('string'); });",
                "pm.collectionVariables.set('token', body.access_token);"),
        }),
    };

    private static JsonObject Request(JsonObject doc, string path, string method, JsonObject op)
    {
        var parameters = op["parameters"]?.AsArray().OfType<JsonObject>().ToList() ?? [];
        // Postman writes path parameters as :name.
        var postmanPath = string.Join('/', path.Split('/', StringSplitOptions.RemoveEmptyEntries)
            .Select(s => s.StartsWith('{') && s.EndsWith('}') ? ":" + s[1..^1] : s));
        var url = new JsonObject
        {
            ["raw"] = "{{baseUrl}}/" + postmanPath,
            ["host"] = new JsonArray("{{baseUrl}}"),
            ["path"] = new JsonArray(postmanPath.Split('/').Select(s => (JsonNode)s).ToArray()),
        };
        var query = parameters.Where(p => (string?)p["in"] == "query")
            .Select(p => (JsonNode)new JsonObject { ["key"] = (string?)p["name"], ["value"] = ExampleValue(p), ["disabled"] = true }).ToArray();
        if (query.Length > 0) url["query"] = new JsonArray(query);
        var variables = parameters.Where(p => (string?)p["in"] == "path")
            .Select(p => (JsonNode)new JsonObject { ["key"] = (string?)p["name"], ["value"] = ExampleValue(p) }).ToArray();
        if (variables.Length > 0) url["variable"] = new JsonArray(variables);

        var request = new JsonObject { ["method"] = method, ["header"] = new JsonArray(), ["url"] = url };
        if (op["security"] is JsonArray { Count: 0 }) request["auth"] = new JsonObject { ["type"] = "noauth" };
        var media = op["requestBody"]?["content"]?["application/json"];
        if (media is not null)
        {
            ((JsonArray)request["header"]!).Add(new JsonObject { ["key"] = "Content-Type", ["value"] = "application/json" });
            var body = media["example"]?.DeepClone() ?? Sample(doc, media["schema"], 0) ?? new JsonObject();
            request["body"] = RawJson(body.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }));
        }

        var statuses = op["responses"]?.AsObject().Select(r => r.Key).Where(k => int.TryParse(k, out _)).ToList() ?? [];
        var errorKeys = ErrorKeys(path);
        return new JsonObject
        {
            ["name"] = (string?)op["summary"] ?? (string?)op["operationId"] ?? $"{method} {path}",
            ["request"] = request,
            ["event"] = Tests(
                $"var documented = [{string.Join(",", statuses)}];",
                "pm.test('status is one the OpenAPI document lists', function () { pm.expect(documented).to.include(pm.response.code); });",
                "pm.test('no internal server error', function () { pm.expect(pm.response.code).to.not.equal(500); });",
                "var type = pm.response.headers.get('Content-Type') || '';",
                "if (type.indexOf('application/json') === 0) {",
                "  var body = pm.response.json();",
                "  if (pm.response.code >= 400) {",
                $"    pm.test('error in the family envelope', function () {{ pm.expect(body).to.include.keys({errorKeys}); }});",
                "  } else {",
                "    pm.test('a JSON object or array', function () { pm.expect(typeof body).to.equal('object'); });",
                "  }",
                "}"),
        };
    }

    /// <summary>The top-level keys of the error envelope of the family a path belongs to.</summary>
    private static string ErrorKeys(string path) => path.Split('/', StringSplitOptions.RemoveEmptyEntries).Skip(1).FirstOrDefault() switch
    {
        "kubilitics" => "'error'",
        "snap" => "'success', 'error', 'code'",
        "homei" => "'error', 'timestamp'",
        // The Durable Functions management API answers its own errors as Durable Functions does.
        "webhooks" => "'message'",
        _ => "'error', 'request_id'",
    };

    private static string ExampleValue(JsonObject parameter) =>
        parameter["example"]?.ToString() ?? parameter["schema"]?["example"]?.ToString() ?? parameter["schema"]?["enum"]?[0]?.ToString()
        ?? (parameter["schema"]?["type"]?.ToString() is "integer" or "number" ? "10" : "example-" + ((string?)parameter["name"])?.Replace('_', '-'));

    private static JsonObject RawJson(string raw) => new()
    {
        ["mode"] = "raw", ["raw"] = raw, ["options"] = new JsonObject { ["raw"] = new JsonObject { ["language"] = "json" } },
    };

    private static JsonArray Tests(params string[] lines) => new(new JsonObject
    {
        ["listen"] = "test",
        ["script"] = new JsonObject { ["type"] = "text/javascript", ["exec"] = new JsonArray(lines.Select(l => (JsonNode)l).ToArray()) },
    });

    /// <summary>A plain value of a schema: "example" strings, 1, true, empty arrays and maps; required fields first.</summary>
    private static JsonNode? Sample(JsonObject doc, JsonNode? schema, int depth)
    {
        for (var i = 0; i < 10 && schema?["$ref"] is JsonValue r; i++)
            schema = doc["components"]?["schemas"]?[((string)r!).Split('/').Last()];
        if (schema is not JsonObject s || depth > 4) return null;
        if (s["example"] is { } example) return example.DeepClone();
        if (s["enum"] is JsonArray e && e.Count > 0) return e[0]?.DeepClone();
        if (s["oneOf"] is JsonArray one)
            return one.Select(o => Sample(doc, o, depth + 1)).FirstOrDefault(v => v is not null);
        var type = s["type"] switch
        {
            JsonValue v => (string?)v,
            JsonArray a => a.Select(x => (string?)x).FirstOrDefault(x => x != "null"),
            _ => s["properties"] is not null ? "object" : null,
        };
        return type switch
        {
            "string" => (string?)s["format"] switch { "date-time" => "2026-01-01T00:00:00Z", "uuid" => Guid.Empty.ToString(), _ => "example" },
            "integer" or "number" => 1,
            "boolean" => true,
            "array" => new JsonArray(),
            "object" when s["properties"] is JsonObject props => new JsonObject(props
                .Select(p => KeyValuePair.Create(p.Key, Sample(doc, p.Value, depth + 1)))
                .Where(p => p.Value is not null)),
            "object" => new JsonObject(),
            _ => null,
        };
    }
}
