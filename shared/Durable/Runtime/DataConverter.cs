using System.Text.Json;

namespace Fleet.Durable.Runtime;

/// <summary>Serializes inputs, outputs, event payloads and custom status as JSON (web defaults: camelCase).</summary>
internal static class DataConverter
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web);

    public static string? Serialize(object? value) => value is null ? null : JsonSerializer.Serialize(value, value.GetType(), Options);

    public static object? Deserialize(string? json, Type type)
        => string.IsNullOrEmpty(json) || type == typeof(object) && json == "null" ? null : JsonSerializer.Deserialize(json, type, Options);

    public static T? Deserialize<T>(string? json) => string.IsNullOrEmpty(json) ? default : JsonSerializer.Deserialize<T>(json, Options);
}
