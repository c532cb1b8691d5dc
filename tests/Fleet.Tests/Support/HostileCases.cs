using System.Text;
using System.Text.Json.Nodes;

namespace Fleet.Tests.Support;

/// <summary>One request the hostile-input walk sends: which operation, what was made hostile, and its marker.</summary>
public sealed record HostileCase(string Method, string Path, string Target, string ValueName, string Url, string? Body, string? Marker);

/// <summary>
/// Generates requests from an OpenAPI document: for every operation a baseline (the operation's request example,
/// or a value made from its schema) and, for every path and query parameter and every body field, the baseline
/// with that one input replaced by a boundary or hostile value. Each string value carries a unique marker, so a
/// row written by a rejected request can be found afterwards.
/// </summary>
public sealed class HostileCases(JsonObject document)
{
    private int _next;

    /// <summary>Letters unique to this run, in every marker: tables keep rows of earlier runs.</summary>
    public string Run { get; } = new string(Enumerable.Range(0, 5).Select(_ => (char)('a' + Random.Shared.Next(26))).ToArray());

    /// <summary>Hostile strings, each with {m} where the request's marker goes.</summary>
    public static readonly (string Name, string Value)[] Strings =
    [
        ("empty", ""),
        ("huge", "{m}" + new string('x', 70_000)),
        ("over-64KiB-property", "{m}" + new string('y', 33_000)),
        ("over-1KiB", "{m}" + new string('k', 1100)),
        ("4KiB", "{m}" + new string('z', 4000)),
        ("nul", "{m}\0end"),
        ("control", "{m}\u0001\u001f\u007f"),
        ("newline", "{m}\r\nX-Injected: 1"),
        ("traversal", "../../etc/passwd{m}"),
        ("slash", "a/b{m}"),
        ("backslash", "a\\b{m}"),
        ("hash-question", "a#b?c{m}"),
        ("unicode", "é☃😀\u202e{m}"),
        ("lone-surrogate", "{m}\ud800"),
        ("odata-injection", "{m}' or PartitionKey ne '"),
        ("sql-injection", "{m}'; DROP TABLE users; --"),
        ("markup", "<script>alert('{m}')</script>"),
        ("template", "${{jndi:ldap://127.0.0.1/{m}}}"),
        ("percent", "%00%2e%2e%2f{m}"),
        ("whitespace", "   "),
    ];

    /// <summary>JSON values of the wrong type or at a numeric boundary, for body fields.</summary>
    private static readonly (string Name, string Json)[] WrongTypes =
    [
        ("null", "null"),
        ("number", "12345678901234567890123"),
        ("negative", "-1"),
        ("float", "1.5e308"),
        ("bool", "true"),
        ("object", "{\"a\":{\"b\":[1,2,3]}}"),
        ("array", "[\"a\",null,{}]"),
        ("int-max", "2147483648"),
    ];

    /// <summary>Whole bodies that are not what any operation expects.</summary>
    private static readonly (string Name, string Body)[] Bodies =
    [
        ("body-empty", ""),
        ("body-null", "null"),
        ("body-array", "[]"),
        ("body-string", "\"text\""),
        ("body-truncated", "{\"a\":"),
        ("body-deep", new string('[', 5000) + new string(']', 5000)),
        ("body-unknown-fields", "{\"__proto__\":{\"x\":1},\"constructor\":1}"),
    ];

    public IEnumerable<(string Method, string Path, JsonObject Operation)> Operations()
    {
        foreach (var (path, item) in document["paths"]!.AsObject())
            foreach (var (method, op) in item!.AsObject())
                if (op is JsonObject o && method is "get" or "put" or "post" or "delete" or "patch")
                    yield return (method.ToUpperInvariant(), path, o);
    }

    public HostileCase Baseline(string method, string path, JsonObject op) =>
        Make(method, path, op, "baseline", "baseline", null, null, null);

    public IEnumerable<HostileCase> For(string method, string path, JsonObject op)
    {
        foreach (var p in Parameters(op))
        {
            var name = (string)p["name"]!;
            var where = (string)p["in"]!;
            if (where is not ("path" or "query")) continue;
            foreach (var (vn, v) in Strings)
            {
                // An empty path segment is another route, not this one's parameter; a URL over Kestrel's 8 KiB
                // request line is refused (414) before any application code, so parameters get 4 KiB at most.
                if (where == "path" && v.Length == 0) continue;
                if (v.Length > 4096) continue;
                yield return Make(method, path, op, $"{where}:{name}", vn, name, v, null);
            }
        }

        var body = BodySchema(op);
        if (body is null) yield break;
        foreach (var (bn, b) in Bodies)
            yield return new HostileCase(method, path, "body", bn, Url(path, op, null, null, null), b, null);
        // A free-form body (a map, a JSON node) gets fields of its own.
        var fields = Resolve(body)?["properties"]?.AsObject().Select(p => p.Key).ToList() ?? ["name", "value"];
        foreach (var field in fields)
        {
            foreach (var (vn, v) in Strings)
                yield return Make(method, path, op, $"body:{field}", vn, null, null, (field, v, true));
            foreach (var (vn, json) in WrongTypes)
                yield return Make(method, path, op, $"body:{field}", vn, null, null, (field, json, false));
        }
    }

    private HostileCase Make(string method, string path, JsonObject op, string target, string valueName,
        string? hostileParam, string? paramValue, (string Field, string Value, bool IsString)? field)
    {
        var marker = $"hx{Run}{Interlocked.Increment(ref _next):D6}q";
        string? Mark(string? v) => v?.Replace("{m}", marker);
        var url = Url(path, op, hostileParam, Mark(paramValue), marker);
        string? body = null;
        var schema = BodySchema(op);
        if (schema is not null)
        {
            var obj = Example(op) as JsonObject ?? Sample(schema, marker, 0) as JsonObject ?? new JsonObject();
            obj = (JsonObject)obj.DeepClone();
            if (field is { } f)
                obj[f.Field] = f.IsString ? JsonValue.Create(Mark(f.Value)) : JsonNode.Parse(f.Value);
            body = obj.ToJsonString();
            // JsonNode escapes a lone surrogate as U+FFFD; send the raw escape so the server sees the bad code unit.
            if (field is { IsString: true } && field.Value.Value.Contains('\ud800'))
                body = body.Replace("\uFFFD", "\\ud800");
        }
        return new HostileCase(method, path, target, valueName, url, body, marker);
    }

    private string Url(string path, JsonObject op, string? hostileParam, string? hostileValue, string? marker)
    {
        var sb = new StringBuilder();
        foreach (var segment in path.Split('/'))
        {
            if (segment.Length == 0) continue;
            sb.Append('/');
            if (segment.StartsWith('{') && segment.EndsWith('}'))
            {
                var name = segment[1..^1];
                var value = name == hostileParam ? hostileValue! : "p" + (marker ?? "0");
                sb.Append(Uri.EscapeDataString(value));
            }
            else sb.Append(segment);
        }
        var q = Parameters(op).FirstOrDefault(p => (string?)p["in"] == "query" && (string?)p["name"] == hostileParam);
        if (q is not null) sb.Append('?').Append(Uri.EscapeDataString(hostileParam!)).Append('=').Append(Uri.EscapeDataString(hostileValue!));
        return sb.ToString();
    }

    private static IEnumerable<JsonObject> Parameters(JsonObject op) =>
        op["parameters"]?.AsArray().OfType<JsonObject>() ?? [];

    private static JsonNode? BodySchema(JsonObject op) => op["requestBody"]?["content"]?["application/json"]?["schema"];

    private static JsonNode? Example(JsonObject op) => op["requestBody"]?["content"]?["application/json"]?["example"];

    private JsonObject? Resolve(JsonNode? schema)
    {
        for (var i = 0; i < 10 && schema?["$ref"] is JsonValue r; i++)
            schema = document["components"]?["schemas"]?[((string)r!).Split('/').Last()];
        return schema as JsonObject;
    }

    /// <summary>A plain valid-looking value of a schema: strings carry the marker, numbers are 1, arrays and maps empty.</summary>
    private JsonNode? Sample(JsonNode schema, string marker, int depth)
    {
        var s = Resolve(schema);
        if (s is null || depth > 4) return null;
        if (s["enum"] is JsonArray e && e.Count > 0) return e[0]?.DeepClone();
        var type = s["type"] switch
        {
            JsonValue v => (string?)v,
            JsonArray a => a.Select(x => (string?)x).FirstOrDefault(x => x != "null"),
            _ => s["properties"] is not null ? "object" : null,
        };
        if (type is null && s["oneOf"] is JsonArray one) return one.Count > 0 ? Sample(one[0]!, marker, depth + 1) : null;
        return type switch
        {
            "string" => (string?)s["format"] switch
            {
                "date-time" => "2026-01-01T00:00:00Z",
                "uuid" => Guid.NewGuid().ToString(),
                _ => "s" + marker,
            },
            "integer" => 1,
            "number" => 1,
            "boolean" => true,
            "array" => new JsonArray(),
            "object" when s["properties"] is JsonObject props => new JsonObject(props
                .Select(p => KeyValuePair.Create(p.Key, Sample(p.Value!, marker, depth + 1)))
                .Where(p => p.Value is not null)),
            "object" => new JsonObject(),
            _ => null,
        };
    }
}
