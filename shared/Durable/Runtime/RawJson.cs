using System.Text.Json;
using System.Text.Json.Serialization;

namespace Fleet.Durable.Runtime;

/// <summary>JSON text that serializes as itself, so HTTP bodies pass through without a round trip through objects.</summary>
[JsonConverter(typeof(RawJsonConverter))]
internal sealed record RawJson(string Json);

internal sealed class RawJsonConverter : JsonConverter<RawJson>
{
    public override RawJson Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        using var doc = JsonDocument.ParseValue(ref reader);
        return new RawJson(doc.RootElement.GetRawText());
    }

    public override void Write(Utf8JsonWriter writer, RawJson value, JsonSerializerOptions options) => writer.WriteRawValue(value.Json);
}
