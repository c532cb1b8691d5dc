using System.Collections.Concurrent;
using System.Reflection;
using System.Text.Json;
using Azure.Data.Tables;
using Fleet.Core.Platform.Errors;

namespace Fleet.Core.Platform.Storage;

/// <summary>
/// What Table storage accepts, checked before a request reaches it so that bad input is a 400 naming the field,
/// never a storage error turned 500. Keys: at most 1 KiB (512 UTF-16 characters; names are held to
/// <see cref="MaxNameLength"/>), none of <c>/ \ # ?</c> and no control character. A string property: at most
/// 64 KiB (32,767 UTF-16 characters).
/// </summary>
public static class TableKeys
{
    /// <summary>The length every name and id that becomes a key is held to at the edge.</summary>
    public const int MaxNameLength = 256;

    /// <summary>Table storage's limit for a key: 1 KiB of UTF-16.</summary>
    public const int MaxKeyLength = 512;

    /// <summary>Table storage's limit for one string property: 64 KiB of UTF-16.</summary>
    public const int MaxPropertyLength = 32_767;

    /// <summary>The character rule of a key as a JSON Schema pattern (documented in the OpenAPI schema).</summary>
    public const string Pattern = @"^[^/\\#?\u0000-\u001F\u007F-\u009F]+$";

    /// <summary>Why <paramref name="value"/> cannot be a key, or null when it can.</summary>
    public static string? Problem(string? value, int maxLength = MaxNameLength, bool allowEmpty = false)
    {
        if (value is null) return "is required";
        if (value.Length == 0) return allowEmpty ? null : "must not be empty";
        if (value.Length > maxLength) return $"must be at most {maxLength} characters";
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (char.IsControl(c)) return "must not contain control characters";
            if (c is '/' or '\\' or '#' or '?') return "must not contain '/', '\\', '#' or '?'";
            if (char.IsHighSurrogate(c) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1])) { i++; continue; }
            if (char.IsSurrogate(c)) return "must be valid UTF-16 (a lone surrogate)";
        }
        return null;
    }

    /// <summary>Whether Table storage can hold <paramref name="value"/> as a key (empty is allowed there).</summary>
    public static bool IsValid(string? value, int maxLength = MaxKeyLength) => Problem(value, maxLength, allowEmpty: true) is null;

    /// <summary>Throws a 400 naming <paramref name="field"/> when <paramref name="value"/> cannot be a key.</summary>
    public static string Require(string? value, string field, int maxLength = MaxNameLength)
    {
        if (Problem(value, maxLength) is { } problem)
            throw FleetException.Validation(field, $"'{field}' {problem}");
        return value!;
    }

    private static readonly ConcurrentDictionary<Type, PropertyInfo[]> StringProperties = new();

    /// <summary>
    /// The last line before a write: keys Table storage would refuse and string properties over 64 KiB are a 400
    /// naming the property (snake_case, as the wire names it) instead of a storage error.
    /// </summary>
    public static void CheckWrite(ITableEntity entity)
    {
        if (!IsValid(entity.PartitionKey) || !IsValid(entity.RowKey))
            throw FleetException.Validation("name", $"The name or id '{Shorten(entity.RowKey)}' cannot be stored: it {Problem(entity.PartitionKey, MaxKeyLength, true) ?? Problem(entity.RowKey, MaxKeyLength, true)}");
        if (entity is TableEntity dynamic)
        {
            foreach (var (k, v) in dynamic)
                if (v is string s && s.Length > MaxPropertyLength) throw TooLong(k);
            return;
        }
        foreach (var p in StringProperties.GetOrAdd(entity.GetType(), t => t.GetProperties(BindingFlags.Public | BindingFlags.Instance)
                     .Where(p => p.PropertyType == typeof(string) && p.CanRead && p.GetIndexParameters().Length == 0).ToArray()))
            if (p.GetValue(entity) is string s && s.Length > MaxPropertyLength) throw TooLong(p.Name);
    }

    private static FleetException TooLong(string property)
    {
        var field = JsonNamingPolicy.SnakeCaseLower.ConvertName(property);
        return FleetException.Validation(field, $"'{field}' is too long to store (at most {MaxPropertyLength} characters)");
    }

    private static string Shorten(string? s) => s is null ? "" : s.Length > 40 ? s[..40] + "…" : s;
}
