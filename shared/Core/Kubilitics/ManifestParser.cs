using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Fleet.Core.Platform.Errors;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Fleet.Core.Kubilitics;

/// <summary>
/// The documents of an apply request: YAML (one or many documents) or JSON (an object, an array, or a
/// <c>kind: List</c>), each as a JSON object. YAML scalars resolve by the YAML 1.2 core schema.
/// </summary>
public static partial class ManifestParser
{
    public static List<JsonObject> Parse(string body, string? contentType)
    {
        if (string.IsNullOrWhiteSpace(body)) throw FleetException.Validation("body", "the body holds no manifest");
        var docs = new List<JsonNode?>();
        var trimmed = body.TrimStart();
        var json = (contentType ?? "").Contains("json", StringComparison.OrdinalIgnoreCase) || trimmed.StartsWith('{') || trimmed.StartsWith('[');
        if (json)
        {
            JsonNode? root;
            try { root = JsonNode.Parse(body); }
            catch (System.Text.Json.JsonException e) { throw FleetException.Validation("body", $"the body is not valid JSON: {e.Message}"); }
            if (root is JsonArray a) docs.AddRange(a);
            else docs.Add(root);
        }
        else
        {
            var stream = new YamlStream();
            try { stream.Load(new StringReader(body)); }
            catch (YamlException e) { throw FleetException.Validation("body", $"the body is not valid YAML: {e.Message}"); }
            docs.AddRange(stream.Documents.Select(d => Convert(d.RootNode)));
        }
        var result = new List<JsonObject>();
        foreach (var d in docs)
        {
            if (d is null) continue; // an empty YAML document (a trailing ---)
            if (d is not JsonObject o) throw FleetException.Validation($"documents[{result.Count}]", $"documents[{result.Count}] is not an object");
            if (o["kind"]?.GetValue<string>() is { } kind && kind.EndsWith("List", StringComparison.Ordinal) && o["items"] is JsonArray items)
                result.AddRange(items.OfType<JsonObject>().Select(i => (JsonObject)i.DeepClone()));
            else result.Add(o);
        }
        if (result.Count == 0) throw FleetException.Validation("body", "the body holds no manifest");
        return result;
    }

    private static JsonNode? Convert(YamlNode node) => node switch
    {
        YamlMappingNode m => new JsonObject(m.Children.Select(kv => new KeyValuePair<string, JsonNode?>(
            (kv.Key as YamlScalarNode)?.Value ?? throw FleetException.Validation("body", "a YAML mapping key must be a plain value"), Convert(kv.Value)))),
        YamlSequenceNode s => new JsonArray(s.Children.Select(Convert).ToArray()),
        YamlScalarNode v => Scalar(v),
        _ => null,
    };

    private static JsonNode? Scalar(YamlScalarNode v)
    {
        var text = v.Value ?? "";
        if (v.Style != YamlDotNet.Core.ScalarStyle.Plain || (!v.Tag.IsEmpty && !v.Tag.IsNonSpecific && v.Tag.Value == "tag:yaml.org,2002:str"))
            return JsonValue.Create(text);
        if (text is "" or "~" or "null" or "Null" or "NULL") return null;
        if (text is "true" or "True" or "TRUE") return JsonValue.Create(true);
        if (text is "false" or "False" or "FALSE") return JsonValue.Create(false);
        if (Int().IsMatch(text) && long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l)) return JsonValue.Create(l);
        if (Float().IsMatch(text) && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var d)) return JsonValue.Create(d);
        return JsonValue.Create(text);
    }

    [GeneratedRegex("^[-+]?[0-9]+$")]
    private static partial Regex Int();

    [GeneratedRegex(@"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$")]
    private static partial Regex Float();
}
