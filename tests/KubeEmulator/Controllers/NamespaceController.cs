using System.Text.Json.Nodes;
using Fleet.KubeEmulator.Store;

namespace Fleet.KubeEmulator.Controllers;

/// <summary>Every namespace gets its "default" ServiceAccount and the kube-root-ca.crt ConfigMap.</summary>
public sealed class NamespaceController(EmulatorState state) : IController
{
    public void Reconcile()
    {
        var sa = state.Type("", "serviceaccounts");
        var cm = state.Type("", "configmaps");
        foreach (var ns in state.Store.List(state.Type("", "namespaces"), null).Items)
        {
            var name = Json.Name(ns);
            if (state.Store.Get(sa, name, "default") is null)
                state.Store.Create(sa, name, new JsonObject { ["metadata"] = new JsonObject { ["name"] = "default" } });
            if (state.Store.Get(cm, name, "kube-root-ca.crt") is null)
                state.Store.Create(cm, name, new JsonObject
                {
                    ["metadata"] = new JsonObject
                    {
                        ["name"] = "kube-root-ca.crt",
                        ["annotations"] = new JsonObject { ["kubernetes.io/description"] = "Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes clusters." },
                    },
                    ["data"] = new JsonObject { ["ca.crt"] = "-----BEGIN CERTIFICATE-----\nMIIBemulatorCA\n-----END CERTIFICATE-----\n" },
                });
        }
    }
}
