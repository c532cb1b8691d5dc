using System.Text.Json;
using System.Text.Json.Serialization;

namespace Fleet.Core.Platform.Json;

/// <summary>
/// The wire format of four of the five seeds: snake_case names, enums as snake_case strings,
/// nullable annotations respected (a null where the type forbids it is a 400, not a crash).
/// Types that need another spelling (Kubernetes objects, Durable Functions JSON) say so per property.
/// </summary>
public static class FleetJson
{
    public static readonly JsonSerializerOptions Options = Configure(new JsonSerializerOptions(JsonSerializerDefaults.Web));

    public static JsonSerializerOptions Configure(JsonSerializerOptions o)
    {
        o.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower;
        o.DictionaryKeyPolicy = null;
        o.RespectNullableAnnotations = true;
        o.RespectRequiredConstructorParameters = true;
        o.DefaultIgnoreCondition = JsonIgnoreCondition.Never;
        o.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower, allowIntegerValues: false));
        return o;
    }
}
