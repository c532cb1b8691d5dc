using System.Text.Json.Nodes;
using Fleet.KubeEmulator.Discovery;
using Fleet.KubeEmulator.Store;
using Microsoft.AspNetCore.Http;

namespace Fleet.KubeEmulator.Api;

/// <summary>
/// Server-side printing: kubectl get asks for <c>as=Table</c> and prints the columns it is given,
/// so the common kinds get the columns a real server prints.
/// </summary>
public static class TableRenderer
{
    public static bool Wanted(HttpContext http) =>
        http.Request.Headers.Accept.ToString().Contains("as=Table", StringComparison.Ordinal);

    public static async Task Write(HttpContext http, ResourceType rt, IReadOnlyList<JsonObject> items, JsonObject listMeta)
    {
        var (columns, cells) = Columns(rt);
        var includeObject = http.Request.Query["includeObject"].ToString();
        var table = new JsonObject
        {
            ["kind"] = "Table", ["apiVersion"] = "meta.k8s.io/v1", ["metadata"] = listMeta.DeepClone(),
            ["columnDefinitions"] = new JsonArray(columns.Select((c, i) => (JsonNode?)new JsonObject
            {
                ["name"] = c, ["type"] = c is "Restarts" or "Ready" && rt.Kind != "Pod" ? "integer" : "string",
                ["format"] = c == "Name" ? "name" : "", ["description"] = c, ["priority"] = WideColumns.Contains(c) ? 1 : 0,
            }).ToArray()),
            ["rows"] = new JsonArray(items.Select(o => (JsonNode?)new JsonObject
            {
                ["cells"] = new JsonArray(cells(o).Select(v => (JsonNode?)v).ToArray()),
                ["object"] = includeObject == "Object" ? ResourceHandler.Output(rt, o) : new JsonObject
                {
                    ["kind"] = "PartialObjectMetadata", ["apiVersion"] = "meta.k8s.io/v1",
                    ["metadata"] = o["metadata"]?.DeepClone(),
                },
            }).ToArray()),
        };
        await HttpJson.Write(http, 200, table, "application/json;as=Table;v=v1;g=meta.k8s.io");
    }

    // Shown only by kubectl get -o wide.
    private static readonly HashSet<string> WideColumns = ["IP", "Node", "Nominated Node", "Readiness Gates", "Internal-IP", "OS-Image", "Container-Runtime"];

    private static (string[] Columns, Func<JsonObject, JsonNode?[]> Cells) Columns(ResourceType rt) => (rt.Group, rt.Plural) switch
    {
        ("", "pods") => (["Name", "Ready", "Status", "Restarts", "Age", "IP", "Node", "Nominated Node", "Readiness Gates"], o =>
        {
            var statuses = Json.Objects(Json.At(o, "status", "containerStatuses")).ToList();
            var total = Json.Objects(Json.At(o, "spec", "containers")).Count();
            var ready = statuses.Count(s => s["ready"]?.GetValue<bool>() == true);
            var restarts = statuses.Sum(s => Json.Long(s, "restartCount") ?? 0);
            var phase = Json.Str(o, "status", "phase") ?? "Pending";
            var reason = phase == "Succeeded" ? "Completed" : phase;
            return [Json.Name(o), $"{ready}/{total}", reason, restarts.ToString(), Age(o),
                Json.Str(o, "status", "podIP") ?? "<none>", Json.Str(o, "spec", "nodeName") ?? "<none>", "<none>", "<none>"];
        }),
        ("", "nodes") => (["Name", "Status", "Roles", "Age", "Version", "Internal-IP", "OS-Image", "Container-Runtime"], o =>
        {
            var ready = Json.Objects(Json.At(o, "status", "conditions")).Any(c => Json.Str(c, "type") == "Ready" && Json.Str(c, "status") == "True");
            var roles = Json.Labels(o).Keys.Where(k => k.StartsWith("node-role.kubernetes.io/", StringComparison.Ordinal))
                .Select(k => k["node-role.kubernetes.io/".Length..]).ToList();
            return [Json.Name(o), ready ? "Ready" : "NotReady", roles.Count == 0 ? "<none>" : string.Join(",", roles), Age(o),
                Json.Str(o, "status", "nodeInfo", "kubeletVersion") ?? "",
                Json.Objects(Json.At(o, "status", "addresses")).Where(a => Json.Str(a, "type") == "InternalIP").Select(a => Json.Str(a, "address")).FirstOrDefault() ?? "<none>",
                Json.Str(o, "status", "nodeInfo", "osImage") ?? "", Json.Str(o, "status", "nodeInfo", "containerRuntimeVersion") ?? ""];
        }),
        ("apps", "deployments") => (["Name", "Ready", "Up-to-date", "Available", "Age"], o =>
            [Json.Name(o), $"{Json.Long(o, "status", "readyReplicas") ?? 0}/{Json.Long(o, "spec", "replicas") ?? 0}",
                (Json.Long(o, "status", "updatedReplicas") ?? 0).ToString(), (Json.Long(o, "status", "availableReplicas") ?? 0).ToString(), Age(o)]),
        ("apps", "replicasets") => (["Name", "Desired", "Current", "Ready", "Age"], o =>
            [Json.Name(o), (Json.Long(o, "spec", "replicas") ?? 0).ToString(), (Json.Long(o, "status", "replicas") ?? 0).ToString(),
                (Json.Long(o, "status", "readyReplicas") ?? 0).ToString(), Age(o)]),
        ("", "services") => (["Name", "Type", "Cluster-IP", "External-IP", "Port(s)", "Age"], o =>
            [Json.Name(o), Json.Str(o, "spec", "type") ?? "ClusterIP", Json.Str(o, "spec", "clusterIP") ?? "<none>", "<none>",
                string.Join(",", Json.Objects(Json.At(o, "spec", "ports")).Select(p => $"{Json.Long(p, "port")}/{Json.Str(p, "protocol") ?? "TCP"}")), Age(o)]),
        ("", "events") => (["Last Seen", "Type", "Reason", "Object", "Message"], o =>
            [AgeOf(Json.Str(o, "lastTimestamp") ?? Json.Str(o, "metadata", "creationTimestamp")), Json.Str(o, "type") ?? "Normal", Json.Str(o, "reason") ?? "",
                $"{(Json.Str(o, "involvedObject", "kind") ?? "").ToLowerInvariant()}/{Json.Str(o, "involvedObject", "name")}", Json.Str(o, "message") ?? ""]),
        ("batch", "jobs") => (["Name", "Status", "Completions", "Age"], o =>
        {
            var done = Json.Objects(Json.At(o, "status", "conditions")).Any(c => Json.Str(c, "type") == "Complete" && Json.Str(c, "status") == "True");
            return [Json.Name(o), done ? "Complete" : "Running", $"{Json.Long(o, "status", "succeeded") ?? 0}/{Json.Long(o, "spec", "completions") ?? 1}", Age(o)];
        }),
        ("", "configmaps" or "secrets") => (["Name", "Data", "Age"], o =>
            [Json.Name(o), ((Json.At(o, "data") as JsonObject)?.Count ?? 0).ToString(), Age(o)]),
        ("apiextensions.k8s.io", "customresourcedefinitions") => (["Name", "Created At"], o =>
            [Json.Name(o), Json.Str(o, "metadata", "creationTimestamp") ?? ""]),
        ("", "namespaces") => (["Name", "Status", "Age"], o => [Json.Name(o), Json.Str(o, "status", "phase") ?? "Active", Age(o)]),
        _ => (["Name", "Age"], o => [Json.Name(o), Age(o)]),
    };

    private static string Age(JsonObject o) => AgeOf(Json.Str(o, "metadata", "creationTimestamp"));

    private static string AgeOf(string? timestamp)
    {
        if (!DateTimeOffset.TryParse(timestamp, out var created)) return "<unknown>";
        var age = DateTimeOffset.UtcNow - created;
        if (age.TotalMinutes < 2) return $"{Math.Max(0, (int)age.TotalSeconds)}s";
        if (age.TotalHours < 2) return $"{(int)age.TotalMinutes}m";
        if (age.TotalDays < 2) return $"{(int)age.TotalHours}h";
        return $"{(int)age.TotalDays}d";
    }
}
