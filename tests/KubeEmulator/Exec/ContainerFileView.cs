using System.Text;
using System.Text.Json.Nodes;
using Fleet.KubeEmulator.Store;

namespace Fleet.KubeEmulator.Exec;

/// <summary>
/// The files a container sees: the pod's seeded file map, plus its volume mounts — hostPath volumes
/// show the node's file system (where kubelet checkpoints land), configMap and secret volumes their keys.
/// </summary>
public static class ContainerFileView
{
    public static Dictionary<string, byte[]> Build(EmulatorState state, JsonObject pod, string container)
    {
        var ns = Json.Namespace(pod)!;
        var files = new Dictionary<string, byte[]>(state.Kubelet.PodFiles(ns, Json.Name(pod)));
        var node = Json.Str(pod, "spec", "nodeName");
        var volumes = Json.Objects(Json.At(pod, "spec", "volumes")).ToDictionary(v => Json.Str(v, "name") ?? "");
        var c = Json.Objects(Json.At(pod, "spec", "containers")).Concat(Json.Objects(Json.At(pod, "spec", "initContainers")))
            .FirstOrDefault(x => Json.Str(x, "name") == container);
        foreach (var mount in Json.Objects(c?["volumeMounts"]))
        {
            var mountPath = (Json.Str(mount, "mountPath") ?? "/").TrimEnd('/');
            if (!volumes.TryGetValue(Json.Str(mount, "name") ?? "", out var volume)) continue;
            if (Json.Str(volume, "hostPath", "path") is { } hostPath && node is not null)
            {
                var root = hostPath.TrimEnd('/');
                foreach (var (path, bytes) in state.Kubelet.NodeFiles(node))
                    if (path.StartsWith(root + "/", StringComparison.Ordinal))
                        files[mountPath + path[root.Length..]] = bytes;
            }
            else if (Json.Str(volume, "configMap", "name") is { } cmName
                     && state.Store.Get(state.Type("", "configmaps"), ns, cmName) is { } cm)
            {
                foreach (var (k, v) in Json.At(cm, "data") as JsonObject ?? [])
                    files[$"{mountPath}/{k}"] = Encoding.UTF8.GetBytes(v?.GetValue<string>() ?? "");
            }
            else if (Json.Str(volume, "secret", "secretName") is { } secretName
                     && state.Store.Get(state.Type("", "secrets"), ns, secretName) is { } secret)
            {
                foreach (var (k, v) in Json.At(secret, "data") as JsonObject ?? [])
                    files[$"{mountPath}/{k}"] = Convert.FromBase64String(v?.GetValue<string>() ?? "");
            }
        }
        return files;
    }
}
