using DurableTask.Core.History;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;

namespace Fleet.Durable.Client;

/// <summary>Reads the history JSON of the stock DurableTask.AzureStorage provider, which writes events without type names: each
/// event's <c>EventType</c> names its DurableTask.Core class.</summary>
internal static class StockHistory
{
    private static readonly JsonSerializer Serializer = JsonSerializer.Create(new JsonSerializerSettings
    {
        ConstructorHandling = ConstructorHandling.AllowNonPublicDefaultConstructor,
        DateParseHandling = DateParseHandling.None,
        DateTimeZoneHandling = DateTimeZoneHandling.Utc,
    });

    public static List<HistoryEvent> Parse(string json)
    {
        var events = new List<HistoryEvent>();
        foreach (var token in JArray.Parse(json).OfType<JObject>())
        {
            var type = TypeOf((EventType)token.Value<int>("EventType"));
            if (type is not null && token.ToObject(type, Serializer) is HistoryEvent e) events.Add(e);
        }
        return events;
    }

    private static Type? TypeOf(EventType eventType)
        => typeof(HistoryEvent).Assembly.GetType($"DurableTask.Core.History.{eventType}Event");
}
