using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;
using Fleet.Core.Kubernetes;
using Fleet.Core.Platform.Errors;
using static Fleet.Core.Kubilitics.JsonPaths;

namespace Fleet.Core.Kubilitics;

/// <summary>What refers to what: endpoints of a Service, consumers of config and claims, TLS details, counts.</summary>
public sealed class RelationsService(KubeCall kube, KubeDiscovery discovery)
{
    public static readonly ApiResource Pods = new("", "v1", "pods", "pod", "Pod", true, [], ["list"]);
    public static readonly ApiResource Services = new("", "v1", "services", "service", "Service", true, [], ["list"]);
    public static readonly ApiResource Endpoints = new("", "v1", "endpoints", "endpoints", "Endpoints", true, [], ["list"]);
    public static readonly ApiResource EndpointSlices = new("discovery.k8s.io", "v1", "endpointslices", "endpointslice", "EndpointSlice", true, [], ["list"]);
    public static readonly ApiResource Secrets = new("", "v1", "secrets", "secret", "Secret", true, [], ["list"]);
    public static readonly ApiResource ServiceAccounts = new("", "v1", "serviceaccounts", "serviceaccount", "ServiceAccount", true, [], ["list"]);
    public static readonly ApiResource PersistentVolumes = new("", "v1", "persistentvolumes", "persistentvolume", "PersistentVolume", false, [], ["list"]);
    public static readonly ApiResource StorageClasses = new("storage.k8s.io", "v1", "storageclasses", "storageclass", "StorageClass", false, [], ["list"]);
    public static readonly ApiResource Namespaces = new("", "v1", "namespaces", "namespace", "Namespace", false, [], ["list"]);
    public static readonly ApiResource Deployments = new("apps", "v1", "deployments", "deployment", "Deployment", true, [], ["list"]);
    public static readonly ApiResource Crds = new("apiextensions.k8s.io", "v1", "customresourcedefinitions", "customresourcedefinition", "CustomResourceDefinition", false, [], ["list"]);

    /// <summary>Workloads whose pod template can refer to config, with where that template lives.</summary>
    public static readonly (ApiResource Type, string[] PodSpec)[] Workloads =
    [
        (Pods, ["spec"]),
        (Deployments, ["spec", "template", "spec"]),
        (new("apps", "v1", "statefulsets", "statefulset", "StatefulSet", true, [], ["list"]), ["spec", "template", "spec"]),
        (new("apps", "v1", "daemonsets", "daemonset", "DaemonSet", true, [], ["list"]), ["spec", "template", "spec"]),
        (new("apps", "v1", "replicasets", "replicaset", "ReplicaSet", true, [], ["list"]), ["spec", "template", "spec"]),
        (new("batch", "v1", "jobs", "job", "Job", true, [], ["list"]), ["spec", "template", "spec"]),
        (new("batch", "v1", "cronjobs", "cronjob", "CronJob", true, [], ["list"]), ["spec", "jobTemplate", "spec", "template", "spec"]),
    ];

    public Task<JsonArray> EndpointsAsync(string clusterId, string ns, string name, CancellationToken ct) =>
        kube.RunAsync(clusterId, async (k, t) =>
        {
            await k.GetObjectAsync(Services.ItemPath(ns, name), t); // 404 when the Service does not exist
            var slicesServed = (await discovery.ResourcesAsync(clusterId, t)).Any(r => r.Group == "discovery.k8s.io" && r.Plural == "endpointslices");
            var result = new JsonArray();
            if (slicesServed)
            {
                var slices = await ResourceService.ListAllAsync(k, EndpointSlices, ns, "kubernetes.io/service-name=" + name, t);
                foreach (var slice in slices.OrderBy(Name, StringComparer.Ordinal))
                {
                    var ports = PortsOf(slice["ports"]);
                    foreach (var e in Objects(slice["endpoints"]))
                        foreach (var ip in (e["addresses"] as JsonArray ?? []).Select(a => a?.ToString()))
                            result.Add(Endpoint(ip, ports, e["targetRef"], At(e, "conditions", "ready") is JsonValue r ? r.GetValue<bool>() : true, Str(e, "nodeName")));
                }
                return result;
            }
            JsonObject ep;
            try { ep = await k.GetObjectAsync(Endpoints.ItemPath(ns, name), t); }
            catch (k8s.Autorest.HttpOperationException e) when (KubeCall.IsNotFound(e)) { return result; }
            foreach (var subset in Objects(ep["subsets"]))
            {
                var ports = PortsOf(subset["ports"]);
                foreach (var (list, ready) in new[] { ("addresses", true), ("notReadyAddresses", false) })
                    foreach (var a in Objects(subset[list]))
                        result.Add(Endpoint(Str(a, "ip"), ports, a["targetRef"], ready, Str(a, "nodeName")));
            }
            return result;
        }, ct);

    private static JsonArray PortsOf(JsonNode? ports) => new(Objects(ports).Select(p =>
    {
        var o = new JsonObject { ["port"] = Long(p, "port"), ["protocol"] = Str(p, "protocol") ?? "TCP" };
        if (Str(p, "name") is { Length: > 0 } n) o["name"] = n;
        return (JsonNode?)o;
    }).ToArray());

    private static JsonObject Endpoint(string? ip, JsonArray ports, JsonNode? targetRef, bool ready, string? node)
    {
        var o = new JsonObject { ["ip"] = ip, ["ports"] = ports.DeepClone(), ["ready"] = ready };
        if (targetRef is JsonObject tr) o["targetRef"] = new JsonObject { ["kind"] = Str(tr, "kind"), ["name"] = Str(tr, "name"), ["namespace"] = Str(tr, "namespace") };
        if (node is not null) o["nodeName"] = node;
        return o;
    }

    public enum ConsumedKind { ConfigMap, Secret, PersistentVolumeClaim }

    /// <summary>Pods and workload templates that mount the object, or read it through env, envFrom or projected volumes.</summary>
    public Task<JsonArray> ConsumersAsync(string clusterId, ConsumedKind kind, string ns, string name, CancellationToken ct) =>
        kube.RunAsync(clusterId, async (k, t) =>
        {
            var path = kind switch
            {
                ConsumedKind.ConfigMap => $"api/v1/namespaces/{Uri.EscapeDataString(ns)}/configmaps/{Uri.EscapeDataString(name)}",
                ConsumedKind.Secret => Secrets.ItemPath(ns, name),
                _ => $"api/v1/namespaces/{Uri.EscapeDataString(ns)}/persistentvolumeclaims/{Uri.EscapeDataString(name)}",
            };
            await k.GetObjectAsync(path, t);
            var result = new JsonArray();
            foreach (var (type, podSpec) in Workloads)
                foreach (var o in (await ResourceService.ListAllAsync(k, type, ns, null, t)).OrderBy(Name, StringComparer.Ordinal))
                    if (References(At(o, podSpec), kind).Contains(name))
                        result.Add(new JsonObject { ["kind"] = type.Kind, ["namespace"] = ns, ["name"] = Name(o) });
            return result;
        }, ct);

    /// <summary>Names of the objects of <paramref name="kind"/> a pod spec refers to.</summary>
    public static HashSet<string> References(JsonNode? podSpec, ConsumedKind kind)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        void Add(string? n) { if (!string.IsNullOrEmpty(n)) names.Add(n); }
        foreach (var v in Objects(At(podSpec, "volumes")))
        {
            switch (kind)
            {
                case ConsumedKind.ConfigMap: Add(Str(v, "configMap", "name")); break;
                case ConsumedKind.Secret: Add(Str(v, "secret", "secretName")); break;
                case ConsumedKind.PersistentVolumeClaim: Add(Str(v, "persistentVolumeClaim", "claimName")); break;
            }
            foreach (var s in Objects(At(v, "projected", "sources")))
                Add(kind switch { ConsumedKind.ConfigMap => Str(s, "configMap", "name"), ConsumedKind.Secret => Str(s, "secret", "name"), _ => null });
        }
        if (kind == ConsumedKind.PersistentVolumeClaim) return names;
        var containers = Objects(At(podSpec, "containers")).Concat(Objects(At(podSpec, "initContainers"))).Concat(Objects(At(podSpec, "ephemeralContainers")));
        foreach (var c in containers)
        {
            foreach (var e in Objects(c["env"]))
                Add(kind == ConsumedKind.ConfigMap ? Str(e, "valueFrom", "configMapKeyRef", "name") : Str(e, "valueFrom", "secretKeyRef", "name"));
            foreach (var e in Objects(c["envFrom"]))
                Add(kind == ConsumedKind.ConfigMap ? Str(e, "configMapRef", "name") : Str(e, "secretRef", "name"));
        }
        if (kind == ConsumedKind.Secret)
            foreach (var s in Objects(At(podSpec, "imagePullSecrets"))) Add(Str(s, "name"));
        return names;
    }

    /// <summary>The certificate of a kubernetes.io/tls Secret, parsed with .NET's X509.</summary>
    public Task<JsonObject> TlsInfoAsync(string clusterId, string ns, string name, CancellationToken ct) =>
        kube.RunAsync(clusterId, async (k, t) =>
        {
            var secret = await k.GetObjectAsync(Secrets.ItemPath(ns, name), t);
            if (Str(secret, "type") != "kubernetes.io/tls")
                throw FleetException.Validation("name", $"Secret {name} is of type {Str(secret, "type") ?? "Opaque"}, not kubernetes.io/tls");
            var data = Str(secret, "data", "tls.crt") ?? throw FleetException.Validation("name", $"Secret {name} has no tls.crt");
            X509Certificate2 cert;
            try
            {
                var pem = Encoding.UTF8.GetString(Convert.FromBase64String(data));
                cert = X509Certificate2.CreateFromPem(pem);
            }
            catch (Exception e) when (e is FormatException or CryptographicException or ArgumentException)
            {
                throw FleetException.Validation("name", $"tls.crt of Secret {name} is not a PEM certificate");
            }
            using (cert)
            {
                var sans = new JsonArray();
                foreach (var ext in cert.Extensions.OfType<X509SubjectAlternativeNameExtension>())
                {
                    foreach (var dns in ext.EnumerateDnsNames()) sans.Add(dns);
                    foreach (var ip in ext.EnumerateIPAddresses()) sans.Add(ip.ToString());
                }
                var now = DateTimeOffset.UtcNow;
                var notAfter = new DateTimeOffset(cert.NotAfter.ToUniversalTime(), TimeSpan.Zero);
                return new JsonObject
                {
                    ["certificate"] = new JsonObject
                    {
                        ["subject"] = cert.Subject, ["issuer"] = cert.Issuer, ["serialNumber"] = cert.SerialNumber,
                        ["sans"] = sans,
                        ["validFrom"] = Time(new DateTimeOffset(cert.NotBefore.ToUniversalTime(), TimeSpan.Zero)),
                        ["validTo"] = Time(notAfter),
                        ["daysRemaining"] = (int)Math.Floor((notAfter - now).TotalDays),
                        ["expired"] = notAfter < now,
                        ["signatureAlgorithm"] = cert.SignatureAlgorithm.FriendlyName,
                    },
                };
            }
        }, ct);

    private static string Time(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>PersistentVolumes per StorageClass (every class, 0 when none; "" for volumes without a class).</summary>
    public Task<JsonObject> PvCountsAsync(string clusterId, CancellationToken ct) =>
        kube.RunAsync(clusterId, async (k, t) =>
        {
            var counts = new SortedDictionary<string, long>(StringComparer.Ordinal);
            foreach (var sc in await ResourceService.ListAllAsync(k, StorageClasses, null, null, t)) counts[Name(sc)] = 0;
            foreach (var pv in await ResourceService.ListAllAsync(k, PersistentVolumes, null, null, t))
            {
                var cls = Str(pv, "spec", "storageClassName") ?? "";
                counts[cls] = counts.GetValueOrDefault(cls) + 1;
            }
            return new JsonObject(counts.Select(kv => new KeyValuePair<string, JsonNode?>(kv.Key, kv.Value)));
        }, ct);

    private static readonly string[] CountedKinds = ["pods", "deployments", "statefulsets", "daemonsets", "replicasets", "jobs", "cronjobs", "services", "ingresses", "configmaps", "secrets", "persistentvolumeclaims", "serviceaccounts"];

    /// <summary>Objects of the common kinds per namespace (every namespace listed, zeros included).</summary>
    public async Task<JsonObject> NamespaceCountsAsync(string clusterId, CancellationToken ct)
    {
        var served = await discovery.ResourcesAsync(clusterId, ct);
        var types = CountedKinds.Select(p => DiscoveryPick(served, p)).OfType<ApiResource>().ToList();
        return await kube.RunAsync(clusterId, async (k, t) =>
        {
            var result = new SortedDictionary<string, SortedDictionary<string, long>>(StringComparer.Ordinal);
            foreach (var n in await ResourceService.ListAllAsync(k, Namespaces, null, null, t))
                result[Name(n)] = new SortedDictionary<string, long>(types.ToDictionary(x => x.Plural, _ => 0L), StringComparer.Ordinal);
            foreach (var type in types)
                foreach (var o in await ResourceService.ListAllAsync(k, type, null, null, t))
                {
                    var ns = Namespace(o) ?? "";
                    if (!result.TryGetValue(ns, out var row)) result[ns] = row = new SortedDictionary<string, long>(StringComparer.Ordinal);
                    row[type.Plural] = row.GetValueOrDefault(type.Plural) + 1;
                }
            return new JsonObject(result.Select(kv => new KeyValuePair<string, JsonNode?>(kv.Key,
                new JsonObject(kv.Value.Select(c => new KeyValuePair<string, JsonNode?>(c.Key, c.Value))))));
        }, ct);
    }

    private static ApiResource? DiscoveryPick(IReadOnlyList<ApiResource> served, string plural) =>
        served.FirstOrDefault(r => r.Plural == plural && (r.Group is "" or "apps" or "batch" or "networking.k8s.io"));

    /// <summary>Service-account token Secrets per namespace and ServiceAccount (every ServiceAccount, zeros included).</summary>
    public Task<JsonObject> TokenCountsAsync(string clusterId, CancellationToken ct) =>
        kube.RunAsync(clusterId, async (k, t) =>
        {
            var result = new SortedDictionary<string, SortedDictionary<string, long>>(StringComparer.Ordinal);
            SortedDictionary<string, long> Row(string ns) =>
                result.TryGetValue(ns, out var r) ? r : result[ns] = new SortedDictionary<string, long>(StringComparer.Ordinal);
            foreach (var sa in await ResourceService.ListAllAsync(k, ServiceAccounts, null, null, t)) Row(Namespace(sa) ?? "")[Name(sa)] = 0;
            foreach (var s in await ResourceService.ListAllAsync(k, Secrets, null, null, t))
            {
                if (Str(s, "type") != "kubernetes.io/service-account-token") continue;
                var sa = Str(s, "metadata", "annotations", "kubernetes.io/service-account.name");
                if (sa is null) continue;
                var row = Row(Namespace(s) ?? "");
                row[sa] = row.GetValueOrDefault(sa) + 1;
            }
            return new JsonObject(result.Select(kv => new KeyValuePair<string, JsonNode?>(kv.Key,
                new JsonObject(kv.Value.Select(c => new KeyValuePair<string, JsonNode?>(c.Key, c.Value))))));
        }, ct);

    /// <summary>MetalLB: its CRDs (group metallb.io) and its controller Deployment, the version from the controller's image tag.</summary>
    public Task<JsonObject> MetalLbAsync(string clusterId, CancellationToken ct) =>
        kube.RunAsync(clusterId, async (k, t) =>
        {
            var crds = (await ResourceService.ListAllAsync(k, Crds, null, null, t))
                .Where(c => Str(c, "spec", "group") == "metallb.io").Select(Name).OrderBy(n => n, StringComparer.Ordinal).ToList();
            var deployments = await ResourceService.ListAllAsync(k, Deployments, null, null, t);
            var controller = deployments
                .Where(d => IsMetalLbController(d))
                .OrderBy(d => Namespace(d) == "metallb-system" ? 0 : 1).ThenBy(d => Namespace(d), StringComparer.Ordinal).FirstOrDefault();
            string? version = null;
            JsonObject? controllerView = null;
            if (controller is not null)
            {
                var image = Objects(At(controller, "spec", "template", "spec", "containers"))
                    .Select(c => Str(c, "image") ?? "").FirstOrDefault(i => i.Contains("metallb", StringComparison.OrdinalIgnoreCase))
                    ?? Str(Objects(At(controller, "spec", "template", "spec", "containers")).FirstOrDefault(), "image") ?? "";
                version = VersionOf(image);
                controllerView = new JsonObject
                {
                    ["namespace"] = Namespace(controller), ["name"] = Name(controller), ["image"] = image,
                    ["ready"] = Long(controller, "status", "readyReplicas") ?? 0, ["desired"] = Long(controller, "spec", "replicas") ?? 1,
                };
            }
            return new JsonObject
            {
                ["enabled"] = crds.Count > 0 && controller is not null,
                ["version"] = version,
                ["crds"] = new JsonArray(crds.Select(c => (JsonNode?)c).ToArray()),
                ["controller"] = controllerView,
            };
        }, ct);

    private static bool IsMetalLbController(JsonObject d)
    {
        var labels = Labels(d);
        var isMetalLb = labels.GetValueOrDefault("app") == "metallb" || labels.GetValueOrDefault("app.kubernetes.io/name") == "metallb"
                        || Namespace(d) == "metallb-system";
        var isController = labels.GetValueOrDefault("component") == "controller" || labels.GetValueOrDefault("app.kubernetes.io/component") == "controller"
                           || Name(d).EndsWith("controller", StringComparison.Ordinal);
        return isMetalLb && isController;
    }

    /// <summary>The tag of an image reference without a leading v ("quay.io/metallb/controller:v0.14.5" → "0.14.5").</summary>
    public static string? VersionOf(string image)
    {
        var at = image.IndexOf('@');
        if (at >= 0) image = image[..at];
        var colon = image.LastIndexOf(':');
        if (colon < 0 || image.IndexOf('/', colon) >= 0) return null;
        var tag = image[(colon + 1)..];
        return tag.StartsWith('v') && tag.Length > 1 && char.IsDigit(tag[1]) ? tag[1..] : tag;
    }
}
