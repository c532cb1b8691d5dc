using Fleet.KubeEmulator.Store;

namespace Fleet.KubeEmulator.Controllers;

/// <summary>Deletes objects all of whose ownerReferences point at objects that no longer exist (background propagation).</summary>
public sealed class GarbageCollector(EmulatorState state) : IController
{
    public void Reconcile()
    {
        var types = state.Registry.All.Where(t => !t.ReadOnly).DistinctBy(t => t.StorageKey).ToList();
        var all = types.SelectMany(t => state.Store.List(t, null).Items.Select(o => (Type: t, Obj: o))).ToList();
        var uids = all.Select(x => Json.Uid(x.Obj)).Where(u => u is not null).ToHashSet();
        foreach (var (type, obj) in all)
        {
            var owners = Json.Objects(Json.At(obj, "metadata", "ownerReferences")).ToList();
            if (owners.Count == 0 || owners.Any(o => uids.Contains(Json.Str(o, "uid")))) continue;
            try { state.Store.Delete(type, Json.Namespace(obj), Json.Name(obj)); }
            catch (ApiException e) when (e.Code == 404) { }
        }
    }
}
