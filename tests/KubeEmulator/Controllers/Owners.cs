using System.Text.Json.Nodes;
using Fleet.KubeEmulator.Store;

namespace Fleet.KubeEmulator.Controllers;

public static class Owners
{
    public static JsonArray ControllerRef(JsonObject owner) => new(new JsonObject
    {
        ["apiVersion"] = Json.Str(owner, "apiVersion"), ["kind"] = Json.Str(owner, "kind"),
        ["name"] = Json.Name(owner), ["uid"] = Json.Uid(owner),
        ["controller"] = true, ["blockOwnerDeletion"] = true,
    });

    public static bool IsOwnedBy(JsonObject obj, JsonObject owner) =>
        Json.Objects(Json.At(obj, "metadata", "ownerReferences")).Any(r => Json.Str(r, "uid") == Json.Uid(owner));

    public static string? ControllerKind(JsonObject obj) =>
        Json.Objects(Json.At(obj, "metadata", "ownerReferences")).FirstOrDefault(r => r["controller"]?.GetValue<bool>() == true) is { } r
            ? Json.Str(r, "kind") : null;

    /// <summary>Writes obj when it differs from what is stored (the store ignores no-op writes).</summary>
    public static void Save(EmulatorState state, string group, string plural, JsonObject obj, UpdateKind kind = UpdateKind.Full) =>
        state.Store.Update(state.Type(group, plural), Json.Namespace(obj), Json.Name(obj), obj, kind);

    public static JsonObject? CopyCondition(JsonObject? oldStatus, string type, string status, string reason, string message, bool withUpdateTime = false)
    {
        var previous = Json.Objects(oldStatus?["conditions"]).FirstOrDefault(c => Json.Str(c, "type") == type);
        var now = Json.Now();
        var same = previous is not null && Json.Str(previous, "status") == status && Json.Str(previous, "reason") == reason;
        var c = new JsonObject { ["type"] = type, ["status"] = status };
        if (withUpdateTime) c["lastUpdateTime"] = same ? previous!["lastUpdateTime"]?.DeepClone() ?? now : now;
        c["lastTransitionTime"] = same ? previous!["lastTransitionTime"]?.DeepClone() ?? now : now;
        c["reason"] = reason;
        c["message"] = message;
        return c;
    }
}
