using System.Reflection;
using Fleet.Core.Platform.Storage;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Fleet.Functions.Platform.Contract;

/// <summary>Documents <see cref="InputRules"/> on body fields: a name's length and characters, any string's maximum.</summary>
public static class ContractSchemas
{
    public static Task TransformAsync(OpenApiSchema schema, OpenApiSchemaTransformerContext context, CancellationToken ct)
    {
        if (schema.Type is not { } type || !type.HasFlag(JsonSchemaType.String) || schema.Format is not null || schema.Enum is { Count: > 0 })
            return Task.CompletedTask;
        var property = context.JsonPropertyInfo?.AttributeProvider as PropertyInfo;
        if (property is null) return Task.CompletedTask;
        if (property.GetCustomAttribute<AnyTextAttribute>() is not null) return Task.CompletedTask;
        var isName = property.GetCustomAttribute<NameAttribute>() is not null;
        if (isName)
        {
            schema.MinLength ??= 1;
            schema.MaxLength ??= TableKeys.MaxNameLength;
            schema.Pattern ??= TableKeys.Pattern;
        }
        else schema.MaxLength ??= TableKeys.MaxPropertyLength;
        return Task.CompletedTask;
    }
}
