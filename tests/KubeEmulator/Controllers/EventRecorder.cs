using System.Text.Json.Nodes;
using Fleet.KubeEmulator.Store;

namespace Fleet.KubeEmulator.Controllers;

/// <summary>core/v1 Events, as controllers and the kubelet record them.</summary>
public sealed class EventRecorder(EmulatorState state)
{
    public void Normal(JsonObject involved, string reason, string message, string component, string? host = null)
    {
        var ns = Json.Namespace(involved) ?? "default";
        var now = Json.Now();
        var source = new JsonObject { ["component"] = component };
        if (host is not null) source["host"] = host;
        var ev = new JsonObject
        {
            ["apiVersion"] = "v1", ["kind"] = "Event",
            ["metadata"] = new JsonObject { ["name"] = $"{Json.Name(involved)}.{Guid.NewGuid():N}"[..^16], ["namespace"] = ns },
            ["involvedObject"] = new JsonObject
            {
                ["apiVersion"] = Json.Str(involved, "apiVersion"), ["kind"] = Json.Str(involved, "kind"),
                ["name"] = Json.Name(involved), ["namespace"] = Json.Namespace(involved), ["uid"] = Json.Uid(involved),
                ["resourceVersion"] = Json.Str(involved, "metadata", "resourceVersion"),
            },
            ["reason"] = reason, ["message"] = message, ["source"] = source,
            ["firstTimestamp"] = now, ["lastTimestamp"] = now, ["count"] = 1, ["type"] = "Normal",
            ["eventTime"] = null, ["reportingComponent"] = component, ["reportingInstance"] = host ?? "",
        };
        try
        {
            state.Store.Create(state.Type("", "events"), ns, ev);
        }
        catch (ApiException)
        {
            // The namespace went away meanwhile; nothing to record into.
        }
    }
}
