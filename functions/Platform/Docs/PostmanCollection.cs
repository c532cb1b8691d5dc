using System.Text.Json.Nodes;
using Microsoft.OpenApi;

namespace Fleet.Functions.Platform.Docs;

/// <summary>Builds a Postman v2.1 collection from an OpenAPI document: one request per route and method, foldered by family.</summary>
public static class PostmanCollection
{
    public const string Schema = "https://schema.getpostman.com/json/collection/v2.1.0/collection.json";

    public static JsonObject FromOpenApi(OpenApiDocument doc, string baseUrl)
    {
        var folders = new SortedDictionary<string, JsonArray>(StringComparer.Ordinal);
        foreach (var (path, item) in doc.Paths)
        {
            if (item.Operations is null) continue;
            foreach (var (method, op) in item.Operations)
            {
                var folder = FolderOf(path);
                if (!folders.TryGetValue(folder, out var items)) folders[folder] = items = new JsonArray();
                items.Add(Request(path, method.ToString().ToUpperInvariant(), op, baseUrl));
            }
        }

        return new JsonObject
        {
            ["info"] = new JsonObject
            {
                ["_postman_id"] = Guid.NewGuid().ToString(),
                ["name"] = doc.Info?.Title ?? "Fleet",
                ["schema"] = Schema,
            },
            ["item"] = new JsonArray(folders.Select(f => (JsonNode)new JsonObject { ["name"] = f.Key, ["item"] = f.Value }).ToArray()),
            ["variable"] = new JsonArray(new JsonObject { ["key"] = "baseUrl", ["value"] = baseUrl }),
            ["auth"] = new JsonObject
            {
                ["type"] = "bearer",
                ["bearer"] = new JsonArray(new JsonObject { ["key"] = "token", ["value"] = "{{token}}", ["type"] = "string" }),
            },
        };
    }

    private static string FolderOf(string path)
    {
        var segments = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        return segments.Length > 2 && Http.FleetFamilies.Segments.Values.Contains(segments[1]) ? segments[1] : "platform";
    }

    private static JsonObject Request(string path, string method, OpenApiOperation op, string baseUrl)
    {
        // Postman writes path parameters as :name.
        var postmanPath = string.Join('/', path.Split('/', StringSplitOptions.RemoveEmptyEntries)
            .Select(s => s.StartsWith('{') && s.EndsWith('}') ? ":" + s[1..^1] : s));
        var url = new JsonObject
        {
            ["raw"] = "{{baseUrl}}/" + postmanPath,
            ["host"] = new JsonArray("{{baseUrl}}"),
            ["path"] = new JsonArray(postmanPath.Split('/').Select(s => (JsonNode)s).ToArray()),
        };
        var query = op.Parameters?.Where(p => p.In == ParameterLocation.Query)
            .Select(p => (JsonNode)new JsonObject { ["key"] = p.Name, ["value"] = "", ["disabled"] = true }).ToArray();
        if (query is { Length: > 0 }) url["query"] = new JsonArray(query);
        var variables = op.Parameters?.Where(p => p.In == ParameterLocation.Path)
            .Select(p => (JsonNode)new JsonObject { ["key"] = p.Name, ["value"] = "" }).ToArray();
        if (variables is { Length: > 0 }) url["variable"] = new JsonArray(variables);

        var request = new JsonObject
        {
            ["method"] = method,
            ["header"] = new JsonArray(),
            ["url"] = url,
        };
        if (op.RequestBody?.Content?.ContainsKey("application/json") == true)
        {
            ((JsonArray)request["header"]!).Add(new JsonObject { ["key"] = "Content-Type", ["value"] = "application/json" });
            request["body"] = new JsonObject { ["mode"] = "raw", ["raw"] = "{}", ["options"] = new JsonObject { ["raw"] = new JsonObject { ["language"] = "json" } } };
        }
        return new JsonObject
        {
            ["name"] = op.Summary ?? op.OperationId ?? $"{method} /{path.TrimStart('/')}",
            ["request"] = request,
        };
    }
}
