using DurableTask.Core;
using DurableTask.Core.History;
using Newtonsoft.Json;
using Newtonsoft.Json.Serialization;

namespace Fleet.Durable.Messaging;

/// <summary>Serializes DurableTask.Core's messages, history events and failure details with Json.NET, the serializer their
/// types are written for (polymorphic <see cref="HistoryEvent"/>s carry their type name). Only DurableTask.Core's own types
/// may be named in a payload: a type name from storage never makes Json.NET load anything else.</summary>
internal static class MessageCodec
{
    private static readonly JsonSerializerSettings Settings = new()
    {
        TypeNameHandling = TypeNameHandling.Auto,
        SerializationBinder = new DurableTaskCoreTypesOnly(),
        NullValueHandling = NullValueHandling.Ignore,
        DateParseHandling = DateParseHandling.None,
        DateTimeZoneHandling = DateTimeZoneHandling.Utc,
        ConstructorHandling = ConstructorHandling.AllowNonPublicDefaultConstructor,
    };

    /// <summary>One message as a JSON object, several (all for one instance) as a JSON array, so that a fan-out's work items
    /// and their results move in a few queue messages, not thousands.</summary>
    public static string Encode(IReadOnlyList<QueuedMessage> messages) => messages.Count == 1
        ? JsonConvert.SerializeObject(Wire.Of(messages[0]), Settings)
        : JsonConvert.SerializeObject(messages.Select(Wire.Of).ToList(), Settings);

    public static IReadOnlyList<QueuedMessage> Decode(string text) => text.TrimStart().StartsWith('[')
        ? JsonConvert.DeserializeObject<List<Wire>>(text, Settings)!.Select(w => w.ToMessage()).ToList()
        : [JsonConvert.DeserializeObject<Wire>(text, Settings)!.ToMessage()];

    public static string EncodeEvent(HistoryEvent e) => JsonConvert.SerializeObject(e, typeof(HistoryEvent), Settings);

    public static HistoryEvent DecodeEvent(string json) => JsonConvert.DeserializeObject<HistoryEvent>(json, Settings)!;

    public static string? EncodeFailure(FailureDetails? f) => f is null ? null : JsonConvert.SerializeObject(f, Settings);

    public static FailureDetails? DecodeFailure(string? json) => json is null ? null : JsonConvert.DeserializeObject<FailureDetails>(json, Settings);

    /// <summary>Deep copy through JSON, so that what is stored or sent shares no objects with the caller.</summary>
    public static HistoryEvent Clone(HistoryEvent e) => DecodeEvent(EncodeEvent(e));

    private sealed class Wire
    {
        public string Id { get; set; } = "";
        public TaskMessage Message { get; set; } = new();

        public static Wire Of(QueuedMessage m) => new() { Id = m.MessageId, Message = m.Message };

        public QueuedMessage ToMessage() => new() { MessageId = Id, Message = Message };
    }

    private sealed class DurableTaskCoreTypesOnly : ISerializationBinder
    {
        private static readonly System.Reflection.Assembly Core = typeof(TaskMessage).Assembly;
        private readonly DefaultSerializationBinder _inner = new();

        public Type BindToType(string? assemblyName, string typeName)
        {
            var type = _inner.BindToType(assemblyName, typeName);
            return type.Assembly == Core ? type : throw new JsonSerializationException($"Type '{typeName}' is not a DurableTask.Core type.");
        }

        public void BindToName(Type serializedType, out string? assemblyName, out string? typeName)
            => _inner.BindToName(serializedType, out assemblyName, out typeName);
    }
}
