using System.Collections;
using System.Collections.Concurrent;
using System.ComponentModel.DataAnnotations;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Fleet.Core.Platform.Errors;
using Fleet.Core.Platform.Storage;

namespace Fleet.Functions.Platform.Contract;

/// <summary>
/// The input rules every endpoint gets from its route group (<see cref="InputRulesExtensions.WithInputRules{TBuilder}"/>),
/// checked before the handler runs and documented in the OpenAPI schema by <see cref="ContractTransformer"/>:
/// <list type="bullet">
/// <item>a path parameter is a name or id: 1–256 characters, no control character and none of <c>/ \ # ?</c>
/// (<see cref="TableKeys"/>);</item>
/// <item>a query parameter: at most <see cref="MaxQueryLength"/> characters, no control character;</item>
/// <item>a string in a JSON body: no NUL, at most <see cref="MaxLengthAttribute"/> of its property or
/// <see cref="TableKeys.MaxPropertyLength"/> (what one Table storage property holds); a property marked
/// <see cref="NameAttribute"/> follows the path parameter's rule.</item>
/// </list>
/// Breaking one is a 400 in the family's envelope naming the field. Handlers keep their own, finer rules.
/// </summary>
public static class InputRules
{
    public const int MaxQueryLength = 2048;

    public static EndpointFilterDelegate Factory(EndpointFilterFactoryContext context, EndpointFilterDelegate next)
    {
        var checks = new List<Action<EndpointFilterInvocationContext>>();
        var parameters = context.MethodInfo.GetParameters();
        var services = context.ApplicationServices.GetService<IServiceProviderIsService>();
        for (var i = 0; i < parameters.Length; i++)
        {
            var p = parameters[i];
            var index = i;
            var type = Nullable.GetUnderlyingType(p.ParameterType) ?? p.ParameterType;
            if (p.GetCustomAttribute<Microsoft.AspNetCore.Mvc.FromServicesAttribute>() is not null) continue;
            if (type == typeof(string))
            {
                var query = p.GetCustomAttribute<Microsoft.AspNetCore.Mvc.FromQueryAttribute>()?.Name;
                var name = query ?? p.Name!;
                checks.Add(c => CheckSimple(c.HttpContext, name, c.Arguments[index] as string));
            }
            else if (IsBody(type) && services?.IsService(type) != true)
            {
                checks.Add(c => CheckObject(c.Arguments[index], "", 0));
            }
        }
        if (checks.Count == 0) return next;
        return invocation =>
        {
            foreach (var check in checks) check(invocation);
            return next(invocation);
        };
    }

    /// <summary>A route value is a name or id; anything else bound as a string came from the query string.</summary>
    private static void CheckSimple(HttpContext http, string name, string? value)
    {
        if (value is null) return;
        if (http.Request.RouteValues.ContainsKey(name))
        {
            if (TableKeys.Problem(value) is { } problem)
                throw FleetException.Validation(name, $"Path parameter '{name}' {problem}");
            return;
        }
        if (value.Length > MaxQueryLength)
            throw FleetException.Validation(name, $"Parameter '{name}' must be at most {MaxQueryLength} characters");
        if (value.Any(char.IsControl))
            throw FleetException.Validation(name, $"Parameter '{name}' must not contain control characters");
    }

    private static void CheckObject(object? value, string path, int depth)
    {
        if (value is null || depth > 8) return;
        switch (value)
        {
            case string s:
                CheckString(s, path, null);
                return;
            case JsonNode node:
                CheckElement(JsonSerializer.SerializeToElement(node), path, depth);
                return;
            case IDictionary dictionary:
                foreach (DictionaryEntry e in dictionary)
                {
                    var key = e.Key?.ToString() ?? "";
                    var at = Join(path, key);
                    CheckString(key, at, null);
                    CheckObject(e.Value, at, depth + 1);
                }
                return;
            case IEnumerable list when value is not JsonElement:
                var i = 0;
                foreach (var item in list) CheckObject(item, $"{path}[{i++}]", depth + 1);
                return;
            case JsonElement element:
                CheckElement(element, path, depth);
                return;
        }
        var type = value.GetType();
        if (!IsBody(type)) return;
        foreach (var p in Properties.GetOrAdd(type, Describe))
        {
            var v = p.Property.GetValue(value);
            var at = Join(path, p.Name);
            if (v is string s) CheckString(s, at, p);
            else CheckObject(v, at, depth + 1);
        }
    }

    private static void CheckElement(JsonElement e, string path, int depth)
    {
        if (depth > 8) return;
        switch (e.ValueKind)
        {
            case JsonValueKind.String:
                CheckString(e.GetString()!, path, null);
                break;
            case JsonValueKind.Object:
                foreach (var p in e.EnumerateObject())
                {
                    CheckString(p.Name, Join(path, p.Name), null);
                    CheckElement(p.Value, Join(path, p.Name), depth + 1);
                }
                break;
            case JsonValueKind.Array:
                var i = 0;
                foreach (var item in e.EnumerateArray()) CheckElement(item, $"{path}[{i++}]", depth + 1);
                break;
        }
    }

    private static void CheckString(string s, string field, Rule? rule)
    {
        var name = field.Length == 0 ? "body" : field;
        if (rule?.IsAnyText == true) return;
        if (rule?.IsName == true)
        {
            if (TableKeys.Problem(s, rule.MaxLength ?? TableKeys.MaxNameLength) is { } problem)
                throw FleetException.Validation(name, $"Field '{name}' {problem}");
            return;
        }
        var max = rule?.MaxLength ?? TableKeys.MaxPropertyLength;
        if (s.Length > max) throw FleetException.Validation(name, $"Field '{name}' must be at most {max} characters");
        if (s.Contains('\0')) throw FleetException.Validation(name, $"Field '{name}' must not contain NUL characters");
    }

    private static string Join(string path, string name) => path.Length == 0 ? name : $"{path}.{name}";

    /// <summary>A type bound from a JSON body: a class or record of Fleet's own, or a JsonElement.</summary>
    internal static bool IsBody(Type type) =>
        type == typeof(JsonElement) || typeof(JsonNode).IsAssignableFrom(type) ||
        (type is { IsClass: true } && type != typeof(string) && !typeof(Delegate).IsAssignableFrom(type) &&
         (type.Namespace?.StartsWith("Fleet.", StringComparison.Ordinal) ?? false) &&
         !typeof(IServiceProvider).IsAssignableFrom(type));

    internal sealed record Rule(PropertyInfo Property, string Name, int? MaxLength, bool IsName, bool IsAnyText);

    private static readonly ConcurrentDictionary<Type, Rule[]> Properties = new();

    private static Rule[] Describe(Type type) => type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
        .Where(p => p.CanRead && p.GetIndexParameters().Length == 0)
        .Select(p => new Rule(p,
            p.GetCustomAttribute<JsonPropertyNameAttribute>()?.Name ?? JsonNamingPolicy.SnakeCaseLower.ConvertName(p.Name),
            p.GetCustomAttribute<MaxLengthAttribute>()?.Length ?? p.GetCustomAttribute<StringLengthAttribute>()?.MaximumLength
                ?? ParameterAttribute<MaxLengthAttribute>(p)?.Length,
            p.GetCustomAttribute<NameAttribute>() is not null || ParameterAttribute<NameAttribute>(p) is not null,
            p.GetCustomAttribute<AnyTextAttribute>() is not null || ParameterAttribute<AnyTextAttribute>(p) is not null))
        .ToArray();

    /// <summary>A positional record's attributes sit on its constructor parameter unless written <c>[property: ...]</c>.</summary>
    private static T? ParameterAttribute<T>(PropertyInfo p) where T : Attribute =>
        p.DeclaringType?.GetConstructors().SelectMany(c => c.GetParameters())
            .FirstOrDefault(x => string.Equals(x.Name, p.Name, StringComparison.Ordinal))?.GetCustomAttribute<T>();
}

/// <summary>Marks a body field that is a name or id (it becomes a table key): the path parameter's rule applies.</summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Parameter)]
public sealed class NameAttribute : Attribute;

/// <summary>
/// Marks a body field taken as sent, whatever it holds (a password; a login name, whose odd values must reach the
/// login so that the failed attempt is audited): only the body size limit applies.
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Parameter)]
public sealed class AnyTextAttribute : Attribute;

public static class InputRulesExtensions
{
    /// <summary>Checks <see cref="InputRules"/> on every endpoint of this builder (a family's route group).</summary>
    public static TBuilder WithInputRules<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.AddEndpointFilterFactory(InputRules.Factory);
}
