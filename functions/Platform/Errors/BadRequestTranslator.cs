using System.Reflection;
using System.Text.Json;
using System.Text.RegularExpressions;
using Fleet.Core.Platform.Errors;

namespace Fleet.Functions.Platform.Errors;

/// <summary>
/// Turns the framework's body-binding failures into errors that name the field, without the
/// CLR type names and parser internals the raw exception carries.
/// </summary>
public static partial class BadRequestTranslator
{
    public static FleetError Translate(BadHttpRequestException e)
    {
        if (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
            return new FleetError(FleetErrorKind.PayloadTooLarge, "Request body too large");
        if (e.StatusCode == StatusCodes.Status415UnsupportedMediaType)
            return new FleetError(FleetErrorKind.Validation, "Request body must be JSON (Content-Type: application/json)", "body");

        var json = e.InnerException as JsonException ?? e.InnerException?.InnerException as JsonException;
        if (json is not null) return FromJson(json);

        if (e.Message.Contains("no body was provided", StringComparison.OrdinalIgnoreCase) ||
            e.Message.Contains("body was empty", StringComparison.OrdinalIgnoreCase))
            return new FleetError(FleetErrorKind.Validation, "Request body is required", "body");

        var param = ParameterName().Match(e.Message);
        if (param.Success)
            return new FleetError(FleetErrorKind.Validation, $"Parameter '{ToSnake(param.Groups[1].Value)}' is missing or invalid", ToSnake(param.Groups[1].Value));
        return new FleetError(FleetErrorKind.Validation, "Invalid request");
    }

    public static FleetError FromJson(JsonException json)
    {
        var missing = MissingProperties().Match(json.Message);
        if (missing.Success)
        {
            var names = missing.Groups[1].Value.Split("', '");
            return new FleetError(FleetErrorKind.Validation,
                names.Length == 1 ? $"Missing required field '{names[0]}'" : $"Missing required fields '{string.Join("', '", names)}'",
                names[0]);
        }

        var field = FieldFromPath(json.Path);
        if (json.Message.Contains("doesn't allow null", StringComparison.Ordinal) || json.Message.Contains("null value", StringComparison.OrdinalIgnoreCase))
            return new FleetError(FleetErrorKind.Validation, $"Field '{field}' must not be null", field);

        var converted = ConvertedTo().Match(json.Message);
        if (converted.Success && field is not null)
        {
            // The message names the type being read (often the request record); walk the path to the field's own type.
            var type = FieldType(ResolveType(converted.Groups[1].Value), field);
            var target = type is null ? null : Nullable.GetUnderlyingType(type) ?? type;
            if (target is { IsEnum: true })
            {
                var allowed = string.Join(", ", Enum.GetNames(target).Select(ToSnake));
                return new FleetError(FleetErrorKind.Validation, $"Field '{field}' must be one of: {allowed}", field);
            }
            return new FleetError(FleetErrorKind.Validation, $"Field '{field}' must be {Describe(target)}", field);
        }

        if (json.LineNumber is not null)
            return new FleetError(FleetErrorKind.Validation,
                $"Malformed JSON at line {json.LineNumber + 1}, position {json.BytePositionInLine + 1}", field ?? "body");
        return new FleetError(FleetErrorKind.Validation, field is null ? "Malformed JSON" : $"Field '{field}' is invalid", field ?? "body");
    }

    private static string? FieldFromPath(string? path)
    {
        if (string.IsNullOrEmpty(path) || path == "$") return null;
        return path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : path.TrimStart('$');
    }

    private static Type? FieldType(Type? root, string path)
    {
        var t = root;
        foreach (var raw in path.Split('.'))
        {
            if (t is null) return null;
            var segment = raw.Split('[')[0];
            var prop = t.GetProperties().FirstOrDefault(p =>
                string.Equals(p.GetCustomAttributes(typeof(System.Text.Json.Serialization.JsonPropertyNameAttribute), true)
                    .Cast<System.Text.Json.Serialization.JsonPropertyNameAttribute>().FirstOrDefault()?.Name ?? ToSnake(p.Name), segment, StringComparison.OrdinalIgnoreCase)
                || string.Equals(p.Name, segment, StringComparison.OrdinalIgnoreCase));
            // The root type itself is what failed when the path does not lead into it (e.g. an int read as a whole body).
            if (prop is null) return t == root && !path.Contains('.') ? null : t;
            t = prop.PropertyType;
            if (raw.Contains('[')) t = t.IsArray ? t.GetElementType() : t.GetGenericArguments().LastOrDefault();
        }
        return t;
    }

    private static Type? ResolveType(string fullName)
    {
        var t = Type.GetType(fullName);
        if (t is not null) return t;
        foreach (var a in AppDomain.CurrentDomain.GetAssemblies())
            if (a.GetType(fullName) is { } found) return found;
        return null;
    }

    private static string Describe(Type? t) => t switch
    {
        null => "a valid value",
        _ when t == typeof(int) || t == typeof(long) || t == typeof(short) => "an integer",
        _ when t == typeof(double) || t == typeof(decimal) || t == typeof(float) => "a number",
        _ when t == typeof(bool) => "true or false",
        _ when t == typeof(string) => "a string",
        _ when t == typeof(DateTime) || t == typeof(DateTimeOffset) => "an ISO 8601 timestamp",
        _ when t.IsArray || (t.IsGenericType && typeof(System.Collections.IEnumerable).IsAssignableFrom(t) && !t.Name.Contains("Dictionary")) => "an array",
        _ => "an object",
    };

    private static string ToSnake(string name) => JsonNamingPolicy.SnakeCaseLower.ConvertName(name);

    [GeneratedRegex(@"missing required properties including: '(.+)'")]
    private static partial Regex MissingProperties();

    [GeneratedRegex(@"could not be converted to ([\w\.\+`\[\], =]+?)\. Path")]
    private static partial Regex ConvertedTo();

    [GeneratedRegex(@"parameter ""\S+ (\w+)""")]
    private static partial Regex ParameterName();
}
