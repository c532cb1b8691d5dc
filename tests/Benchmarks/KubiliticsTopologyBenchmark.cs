using System.Diagnostics;
using System.Text.Json.Nodes;
using Fleet.Core.Kubernetes;
using Fleet.Core.Kubilitics.Topology;
using Fleet.Core.Kubilitics.Topology.Export;
using Fleet.KubeEmulator;
using k8s;

namespace Fleet.Benchmarks;

/// <summary>
/// Kubilitics topology of a synthetic cluster in the emulator (controllers off, objects seeded directly):
/// read (every kind listed over HTTPS), build (nodes, edges, layered layout) and export (json, svg, drawio, png)
/// at 200, 2,000 and 10,000 objects; median of 3 runs, allocations per step, and growth against n log n.
/// Goals (issue 15): 2,000 objects built in ≤ 1 s and exported to PNG in ≤ 2 s. Arguments: [sizes, comma separated].
/// </summary>
public sealed class KubiliticsTopologyBenchmark : IBenchmark
{
    public string Name => "kubilitics-topology";
    public string Description => "topology read/build/export (json, svg, drawio, png) of 200, 2,000 and 10,000 objects";

    private sealed record Step(string Name, double Ms, long AllocatedBytes, long OutputBytes);
    private sealed record SizeResult(int Objects, int Nodes, int Edges, double Width, double Height, IReadOnlyList<Step> Steps, long PeakWorkingSetBytes);

    public async Task<int> RunAsync(string[] args, CancellationToken ct)
    {
        var sizes = args.Length > 0 ? args[0].Split(',').Select(int.Parse).ToArray() : [200, 2000, 10000];
        var results = new List<SizeResult>();
        foreach (var size in sizes) results.Add(await RunSizeAsync(size, ct));

        Console.WriteLine();
        Console.WriteLine("| objects | nodes | edges | canvas | read ms | build ms | json ms | svg ms | drawio ms | png ms | build alloc MB | png alloc MB | png KB | peak WS MB |");
        Console.WriteLine("|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var r in results)
        {
            Step S(string n) => r.Steps.Single(s => s.Name == n);
            Console.WriteLine($"| {r.Objects} | {r.Nodes} | {r.Edges} | {r.Width:0}x{r.Height:0} | {S("read").Ms:0} | {S("build").Ms:0} | {S("json").Ms:0} | {S("svg").Ms:0} | {S("drawio").Ms:0} | {S("png").Ms:0} | {S("build").AllocatedBytes / 1e6:0.0} | {S("png").AllocatedBytes / 1e6:0.0} | {S("png").OutputBytes / 1024} | {r.PeakWorkingSetBytes / 1e6:0} |");
        }
        var growth = new List<object>();
        for (var i = 1; i < results.Count; i++)
        {
            var (a, b) = (results[i - 1], results[i]);
            var nlogn = b.Objects * Math.Log(b.Objects) / (a.Objects * Math.Log(a.Objects));
            foreach (var step in new[] { "build", "png" })
            {
                var ratio = b.Steps.Single(s => s.Name == step).Ms / Math.Max(0.001, a.Steps.Single(s => s.Name == step).Ms);
                Console.WriteLine($"{step}: {a.Objects} → {b.Objects} objects took {ratio:0.00}x the time (n log n would be {nlogn:0.00}x)");
                growth.Add(new { step, from = a.Objects, to = b.Objects, time_ratio = ratio, nlogn_ratio = nlogn });
            }
        }
        var at2000 = results.FirstOrDefault(r => r.Objects == 2000);
        if (at2000 is not null)
            Console.WriteLine($"goals at 2,000 objects: build {at2000.Steps.Single(s => s.Name == "build").Ms:0} ms (≤ 1000), png {at2000.Steps.Single(s => s.Name == "png").Ms:0} ms (≤ 2000)");
        await BenchResults.WriteAsync(Name, new { sizes = results, growth });
        return 0;
    }

    private static async Task<SizeResult> RunSizeAsync(int objects, CancellationToken ct)
    {
        await using var emulator = await KubeEmulatorServer.StartAsync(new KubeEmulatorOptions { RunControllers = false }, ct);
        Seed(emulator, objects);
        var path = Path.Combine(Path.GetTempPath(), $"kub-bench-{Guid.NewGuid():N}.yaml");
        emulator.WriteKubeconfig(path);
        try
        {
            using var client = new FleetKubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(path));
            var steps = new List<Step>();
            TopologySnapshot snapshot = null!;
            TopologyGraph graph = null!;
            steps.Add(await MeasureAsync("read", async () => { snapshot = await TopologyService.ReadAsync(client, TopologyKinds.All, null, ct); return 0; }));
            steps.Add(await MeasureAsync("build", () => { graph = TopologyService.Build("bench", null, snapshot, DateTimeOffset.UtcNow); return Task.FromResult(0L); }));
            foreach (var format in new[] { "json", "svg", "drawio", "png" })
                steps.Add(await MeasureAsync(format, () => Task.FromResult((long)TopologyExporter.Export(graph, format).Content.Length)));
            Console.WriteLine($"{objects} objects: {graph.Nodes.Count} nodes, {graph.Edges.Count} edges; " +
                              string.Join(", ", steps.Select(s => $"{s.Name} {s.Ms:0} ms")));
            return new SizeResult(objects, graph.Nodes.Count, graph.Edges.Count, graph.Meta.Width, graph.Meta.Height, steps, Process.GetCurrentProcess().PeakWorkingSet64);
        }
        finally
        {
            File.Delete(path);
        }
    }

    /// <summary>Median of 3 runs (after one warm-up), with the bytes the median run allocated.</summary>
    private static async Task<Step> MeasureAsync(string name, Func<Task<long>> run)
    {
        await run();
        var runs = new List<(double Ms, long Alloc, long Output)>();
        for (var i = 0; i < 3; i++)
        {
            var before = GC.GetTotalAllocatedBytes(precise: true);
            var sw = Stopwatch.StartNew();
            var output = await run();
            sw.Stop();
            runs.Add((sw.Elapsed.TotalMilliseconds, GC.GetTotalAllocatedBytes(precise: true) - before, output));
        }
        var median = runs.OrderBy(r => r.Ms).ElementAt(1);
        return new Step(name, median.Ms, median.Alloc, median.Output);
    }

    /// <summary>Apps of 12 objects each (Deployment→ReplicaSet→3 Pods, Service, Ingress, ConfigMap, Secret, PVC→PV, HPA) in namespaces of 20 apps.</summary>
    private static void Seed(KubeEmulatorServer emulator, int objects)
    {
        var store = emulator.Store;
        var apps = Math.Max(1, objects / 12);
        for (var n = 0; n < 8; n++)
            store.Put(new JsonObject
            {
                ["apiVersion"] = "v1", ["kind"] = "Node",
                ["metadata"] = new JsonObject { ["name"] = $"worker-{n}" },
                ["status"] = new JsonObject { ["conditions"] = new JsonArray(new JsonObject { ["type"] = "Ready", ["status"] = "True" }) },
            });
        for (var a = 0; a < apps; a++)
        {
            var ns = $"team-{a / 20:d3}";
            if (a % 20 == 0) store.Put(new JsonObject { ["apiVersion"] = "v1", ["kind"] = "Namespace", ["metadata"] = new JsonObject { ["name"] = ns } });
            var app = $"app-{a:d5}";
            JsonObject Meta(string name, JsonArray? owners = null)
            {
                var m = new JsonObject { ["name"] = name, ["namespace"] = ns, ["labels"] = new JsonObject { ["app"] = app } };
                if (owners is not null) m["ownerReferences"] = owners;
                return m;
            }
            JsonArray Owner(JsonObject o) => new(new JsonObject
            {
                ["apiVersion"] = (string)o["apiVersion"]!, ["kind"] = (string)o["kind"]!, ["name"] = (string)o["metadata"]!["name"]!,
                ["uid"] = (string)o["metadata"]!["uid"]!, ["controller"] = true,
            });
            var podSpec = new JsonObject
            {
                ["containers"] = new JsonArray(new JsonObject
                {
                    ["name"] = "main", ["image"] = "registry.test/app:1",
                    ["env"] = new JsonArray(new JsonObject { ["name"] = "S", ["valueFrom"] = new JsonObject { ["secretKeyRef"] = new JsonObject { ["name"] = app + "-secret", ["key"] = "k" } } }),
                }),
                ["volumes"] = new JsonArray(
                    new JsonObject { ["name"] = "cfg", ["configMap"] = new JsonObject { ["name"] = app + "-config" } },
                    new JsonObject { ["name"] = "data", ["persistentVolumeClaim"] = new JsonObject { ["claimName"] = app + "-data" } }),
            };
            store.Put(new JsonObject { ["apiVersion"] = "v1", ["kind"] = "ConfigMap", ["metadata"] = Meta(app + "-config"), ["data"] = new JsonObject { ["k"] = "v" } });
            store.Put(new JsonObject { ["apiVersion"] = "v1", ["kind"] = "Secret", ["metadata"] = Meta(app + "-secret"), ["data"] = new JsonObject { ["k"] = "dg==" } });
            store.Put(new JsonObject
            {
                ["apiVersion"] = "v1", ["kind"] = "PersistentVolume", ["metadata"] = new JsonObject { ["name"] = $"pv-{ns}-{app}" },
                ["spec"] = new JsonObject { ["storageClassName"] = "standard", ["capacity"] = new JsonObject { ["storage"] = "1Gi" } },
            });
            store.Put(new JsonObject
            {
                ["apiVersion"] = "v1", ["kind"] = "PersistentVolumeClaim", ["metadata"] = Meta(app + "-data"),
                ["spec"] = new JsonObject { ["storageClassName"] = "standard", ["volumeName"] = $"pv-{ns}-{app}" },
            });
            var deployment = store.Put(new JsonObject
            {
                ["apiVersion"] = "apps/v1", ["kind"] = "Deployment", ["metadata"] = Meta(app),
                ["spec"] = new JsonObject
                {
                    ["replicas"] = 3, ["selector"] = new JsonObject { ["matchLabels"] = new JsonObject { ["app"] = app } },
                    ["template"] = new JsonObject { ["metadata"] = new JsonObject { ["labels"] = new JsonObject { ["app"] = app } }, ["spec"] = podSpec.DeepClone() },
                },
            });
            var rs = store.Put(new JsonObject
            {
                ["apiVersion"] = "apps/v1", ["kind"] = "ReplicaSet", ["metadata"] = Meta(app + "-5d9f", Owner(deployment)),
                ["spec"] = new JsonObject
                {
                    ["replicas"] = 3, ["selector"] = new JsonObject { ["matchLabels"] = new JsonObject { ["app"] = app } },
                    ["template"] = new JsonObject { ["metadata"] = new JsonObject { ["labels"] = new JsonObject { ["app"] = app } }, ["spec"] = podSpec.DeepClone() },
                },
            });
            for (var p = 0; p < 3; p++)
            {
                var spec = (JsonObject)podSpec.DeepClone();
                spec["nodeName"] = $"worker-{(a + p) % 8}";
                store.Put(new JsonObject
                {
                    ["apiVersion"] = "v1", ["kind"] = "Pod", ["metadata"] = Meta($"{app}-5d9f-{p}", Owner(rs)), ["spec"] = spec,
                    ["status"] = new JsonObject { ["phase"] = p == 2 && a % 7 == 0 ? "Pending" : "Running" },
                });
            }
            store.Put(new JsonObject
            {
                ["apiVersion"] = "v1", ["kind"] = "Service", ["metadata"] = Meta(app),
                ["spec"] = new JsonObject { ["selector"] = new JsonObject { ["app"] = app }, ["ports"] = new JsonArray(new JsonObject { ["port"] = 80 }) },
            });
            store.Put(new JsonObject
            {
                ["apiVersion"] = "networking.k8s.io/v1", ["kind"] = "Ingress", ["metadata"] = Meta(app),
                ["spec"] = new JsonObject { ["defaultBackend"] = new JsonObject { ["service"] = new JsonObject { ["name"] = app, ["port"] = new JsonObject { ["number"] = 80 } } } },
            });
            store.Put(new JsonObject
            {
                ["apiVersion"] = "autoscaling/v2", ["kind"] = "HorizontalPodAutoscaler", ["metadata"] = Meta(app),
                ["spec"] = new JsonObject { ["maxReplicas"] = 5, ["scaleTargetRef"] = new JsonObject { ["apiVersion"] = "apps/v1", ["kind"] = "Deployment", ["name"] = app } },
            });
        }
    }
}
