using System.Diagnostics;
using Azure.Storage.Queues;
using Fleet.Durable.Tracking.AzureStorage;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Worker;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Fleet.Benchmarks;

/// <summary>Fleet's provider against the stock DurableTask.AzureStorage provider, same Azurite, same run, a fresh task hub each:
/// latency and throughput of the common orchestration shapes side by side with the ratio, beside the raw queue throughput of
/// the same Azurite (Fleet's efficiency = task messages moved per second ÷ raw send+receive+delete messages per second;
/// batching lets one queue message carry several task messages).</summary>
public sealed class DurableBenchmark : IBenchmark
{
    private const int LatencyInstances = 200;
    private const int ChainLength = 100;
    private const int FanOutWidth = 1000;
    private const int ConcurrentInstances = 500;
    private const int EventInstances = 50;
    private static readonly TimeSpan CeilingWindow = TimeSpan.FromSeconds(5);
    private const int CeilingSenders = 8;
    private const int CeilingReceivers = 4;

    public string Name => "durable";
    public string Description => "Fleet's durable provider vs the stock AzureStorage provider on Azurite: latency, chain, fan-out, concurrency, events";

    public async Task<int> RunAsync(string[] args, CancellationToken ct)
    {
        string? cs = Environment.GetEnvironmentVariable("AzureWebJobsStorage");
        if (string.IsNullOrEmpty(cs))
        {
            Console.Error.WriteLine("AzureWebJobsStorage is not set: start infra/peers/start-all.sh and source its peers.env.");
            return 2;
        }

        double ceiling = await MeasureQueueCeilingAsync(cs, ct);
        // Both Azure Storage providers, same Azurite, same run, a fresh task hub each.
        var fleet = await RunProviderAsync(cs, "Fleet", ceiling, ct);
        var stock = await RunProviderAsync(cs, "AzureStorage", ceiling, ct);

        Console.WriteLine();
        Console.WriteLine($"Azurite queue ceiling: {ceiling:F0} messages/s (send+receive+delete, {CeilingSenders} senders + {CeilingReceivers} receivers, {CeilingWindow.TotalSeconds:F0} s).");
        Console.WriteLine();
        Console.WriteLine("| scenario | unit | Fleet | stock AzureStorage | Fleet vs stock | goal | Fleet queue msgs / task msgs | Fleet efficiency |");
        Console.WriteLine("|---|---|---:|---:|---:|---|---:|---:|");
        var table = new List<object>();
        for (int i = 0; i < fleet.Count; i++)
        {
            var (f, s) = (fleet[i], stock[i]);
            // How many times better Fleet is: a higher rate, or a lower latency.
            double ratio = f.HigherIsBetter ? f.Value / s.Value : s.Value / f.Value;
            string goal = f.Goal is { } g ? $"≥ {g}× {(ratio >= g ? "(met)" : "(missed)")}" : "";
            Console.WriteLine($"| {f.Scenario} | {f.Unit} | {f.Value:F1} ({f.Notes}) | {s.Value:F1} ({s.Notes}) | {ratio:F1}× | {goal} | {f.QueueMessages} / {f.TaskMessages} | {f.Efficiency:F2} |");
            table.Add(new { scenario = f.Scenario, unit = f.Unit, fleet = f.Value, fleet_notes = f.Notes, stock = s.Value, stock_notes = s.Notes, ratio, goal = f.Goal,
                fleet_queue_messages = f.QueueMessages, fleet_task_messages = f.TaskMessages, fleet_efficiency = f.Efficiency });
        }

        await BenchResults.WriteAsync("durable", new
        {
            benchmark = "durable",
            date = DateTimeOffset.UtcNow,
            queue_ceiling_messages_per_second = ceiling,
            rows = table,
        });
        return 0;
    }

    private static async Task<List<Row>> RunProviderAsync(string cs, string provider, double ceiling, CancellationToken ct)
    {
        string hub = "bench" + Guid.NewGuid().ToString("N")[..12];
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Configuration.Sources.Clear();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["AzureWebJobsStorage"] = cs,
            ["Durable:HubName"] = hub,
            ["Durable:Provider"] = provider,
        });
        builder.Services.AddFleetDurableTask(builder.Configuration);
        builder.Services.AddDurableTaskWorker(b => b.AddTasks(Register));
        using var host = builder.Build();
        await host.StartAsync(ct);
        var client = host.Services.GetRequiredService<DurableTaskClient>();
        Console.Error.WriteLine($"== {provider} (hub {hub})");

        var rows = new List<Row>();
        try
        {
            // Warm-up: first calls pay for JIT, connection pools and partition leases, none of which is steady-state cost.
            for (int i = 0; i < 5; i++) await RunOneAsync(client, "One", 1, ct);

            rows.Add(await MeasureAsync("start→complete, 1 activity (×200 sequential)", ceiling, false, 2, async () =>
            {
                var ms = new List<double>();
                for (int i = 0; i < LatencyInstances; i++) ms.Add(await RunOneAsync(client, "One", i, ct));
                return (Percentile(ms, 50), "ms p50", $"p95 {Percentile(ms, 95):F1}");
            }));

            rows.Add(await MeasureAsync($"sequential chain of {ChainLength} activities", ceiling, true, 3, async () =>
            {
                double ms = await RunOneAsync(client, "Chain", ChainLength, ct);
                return (ChainLength / (ms / 1000), "activities/s", $"{ms / 1000:F1} s");
            }));

            rows.Add(await MeasureAsync($"fan-out/fan-in of {FanOutWidth:N0} activities", ceiling, true, 20, async () =>
            {
                double ms = await RunOneAsync(client, "FanOut", FanOutWidth, ct);
                return (FanOutWidth / (ms / 1000), "activities/s", $"{ms / 1000:F1} s");
            }));

            rows.Add(await MeasureAsync($"{ConcurrentInstances} concurrent 1-activity orchestrations", ceiling, true, 2, async () =>
            {
                var watch = Stopwatch.StartNew();
                await Task.WhenAll(Enumerable.Range(0, ConcurrentInstances).Select(async i =>
                {
                    string id = await client.ScheduleNewOrchestrationInstanceAsync("One", i, cancellation: ct);
                    await WaitCompletedAsync(client, id, ct);
                }));
                return (ConcurrentInstances / watch.Elapsed.TotalSeconds, "orchestrations/s", $"{watch.Elapsed.TotalSeconds:F1} s");
            }));

            rows.Add(await MeasureAsync($"external event round trip (×{EventInstances})", ceiling, false, null, async () =>
            {
                var ms = new List<double>();
                for (int i = 0; i < EventInstances; i++)
                {
                    string id = await client.ScheduleNewOrchestrationInstanceAsync("Await", cancellation: ct);
                    // Running is written after the first episode's checkpoint, so the orchestration is already waiting.
                    await client.WaitForInstanceStartAsync(id, false, ct);
                    var watch = Stopwatch.StartNew();
                    await client.RaiseEventAsync(id, "go", i, ct);
                    var done = await WaitCompletedAsync(client, id, ct);
                    ms.Add(watch.Elapsed.TotalMilliseconds);
                    if (done.ReadOutputAs<int>() != i) throw new InvalidOperationException($"{id}: wrong event payload");
                }
                return (Percentile(ms, 50), "ms p50", $"p95 {Percentile(ms, 95):F1}");
            }));
        }
        finally
        {
            await host.StopAsync(CancellationToken.None);
            await DeleteHubAsync(cs, hub);
        }
        return rows;
    }

    private static void Register(DurableTaskRegistry r)
    {
        r.AddActivityFunc<int, int>("Inc", (_, x) => x + 1);
        r.AddOrchestratorFunc<int, int>("One", async (ctx, x) => await ctx.CallActivityAsync<int>("Inc", x));
        r.AddOrchestratorFunc<int, int>("Chain", async (ctx, n) =>
        {
            int x = 0;
            for (int i = 0; i < n; i++) x = await ctx.CallActivityAsync<int>("Inc", x);
            return x;
        });
        r.AddOrchestratorFunc<int, int>("FanOut", async (ctx, n) =>
        {
            int[] results = await Task.WhenAll(Enumerable.Range(0, n).Select(i => ctx.CallActivityAsync<int>("Inc", i)));
            return results.Sum() - n * (n + 1) / 2 + n;
        });
        r.AddOrchestratorFunc<object?, int>("Await", async (ctx, _) => await ctx.WaitForExternalEvent<int>("go"));
    }

    // Returns start→complete milliseconds of one instance, checking its output so that a broken engine cannot look fast.
    private static async Task<double> RunOneAsync(DurableTaskClient client, string name, int input, CancellationToken ct)
    {
        var watch = Stopwatch.StartNew();
        string id = await client.ScheduleNewOrchestrationInstanceAsync(name, input, cancellation: ct);
        var done = await WaitCompletedAsync(client, id, ct);
        double ms = watch.Elapsed.TotalMilliseconds;
        int expected = name switch { "One" => input + 1, _ => input };
        if (done.ReadOutputAs<int>() != expected) throw new InvalidOperationException($"{name} {id}: output {done.SerializedOutput}, expected {expected}");
        return ms;
    }

    private static async Task<OrchestrationMetadata> WaitCompletedAsync(DurableTaskClient client, string id, CancellationToken ct)
    {
        var done = await client.WaitForInstanceCompletionAsync(id, true, ct);
        if (done.RuntimeStatus != OrchestrationRuntimeStatus.Completed)
            throw new InvalidOperationException($"{id} ended {done.RuntimeStatus}: {done.FailureDetails?.ErrorMessage}");
        return done;
    }

    private static async Task<Row> MeasureAsync(string scenario, double ceiling, bool higherIsBetter, double? goal,
        Func<Task<(double Value, string Unit, string Notes)>> run)
    {
        long sentBefore = QueueMessageCounters.Sent, tasksBefore = QueueMessageCounters.TaskMessagesSent;
        var watch = Stopwatch.StartNew();
        var (value, unit, notes) = await run();
        double seconds = watch.Elapsed.TotalSeconds;
        long messages = QueueMessageCounters.Sent - sentBefore;
        long taskMessages = QueueMessageCounters.TaskMessagesSent - tasksBefore;
        double perSecond = taskMessages / seconds;
        Console.Error.WriteLine($"{scenario}: {value:F1} {unit} ({seconds:F1} s)");
        return new Row(scenario, value, unit, notes, higherIsBetter, goal, messages, taskMessages, perSecond, perSecond / ceiling);
    }

    /// <summary>Raw Azurite queue throughput with the client the engine uses: 8 tasks send, 4 tasks receive (32 at a time)
    /// and delete each batch side by side; the result counts messages that completed the whole send→receive→delete cycle.</summary>
    private static async Task<double> MeasureQueueCeilingAsync(string cs, CancellationToken ct)
    {
        var queue = new QueueServiceClient(cs).GetQueueClient("ceiling-" + Guid.NewGuid().ToString("N")[..12]);
        await queue.CreateAsync(cancellationToken: ct);
        try
        {
            using var window = CancellationTokenSource.CreateLinkedTokenSource(ct);
            long sent = 0, received = 0, deleted = 0;
            var watch = Stopwatch.StartNew();
            window.CancelAfter(CeilingWindow);
            var senders = Enumerable.Range(0, CeilingSenders).Select(_ => Task.Run(async () =>
            {
                while (!window.IsCancellationRequested)
                {
                    await queue.SendMessageAsync("{\"ceiling\":true}", null, TimeSpan.FromSeconds(-1), CancellationToken.None);
                    Interlocked.Increment(ref sent);
                }
            }));
            var receivers = Enumerable.Range(0, CeilingReceivers).Select(_ => Task.Run(async () =>
            {
                while (!window.IsCancellationRequested)
                {
                    var batch = (await queue.ReceiveMessagesAsync(32, TimeSpan.FromSeconds(30), CancellationToken.None)).Value;
                    Interlocked.Add(ref received, batch.Length);
                    // An empty queue answers at once; hammering it would slow the senders down, as the engine's backoff avoids.
                    if (batch.Length == 0) await Task.Delay(10, CancellationToken.None);
                    // Deleted side by side, as the engine settles a batch.
                    await Task.WhenAll(batch.Select(async m =>
                    {
                        await queue.DeleteMessageAsync(m.MessageId, m.PopReceipt, CancellationToken.None);
                        if (!window.IsCancellationRequested) Interlocked.Increment(ref deleted);
                    }));
                }
            }));
            await Task.WhenAll(senders.Concat(receivers));
            Console.Error.WriteLine($"queue ceiling: {sent} sent, {received} received, {deleted} deleted in {watch.Elapsed.TotalSeconds:F1} s");
            return Interlocked.Read(ref deleted) / CeilingWindow.TotalSeconds;
        }
        finally
        {
            await queue.DeleteIfExistsAsync(CancellationToken.None);
        }
    }

    // The hub's queues, tables and container are named from the hub; removing them keeps Azurite small across runs.
    private static async Task DeleteHubAsync(string cs, string hub)
    {
        var queues = new QueueServiceClient(cs);
        await foreach (var q in queues.GetQueuesAsync(prefix: hub.ToLowerInvariant()))
            await queues.DeleteQueueAsync(q.Name);
        var tables = new Azure.Data.Tables.TableServiceClient(cs);
        await foreach (var t in tables.QueryAsync(t => t.Name.CompareTo(hub) >= 0 && t.Name.CompareTo(hub + "~") < 0))
            await tables.DeleteTableAsync(t.Name);
        var blobs = new Azure.Storage.Blobs.BlobServiceClient(cs);
        await foreach (var c in blobs.GetBlobContainersAsync(prefix: hub.ToLowerInvariant()))
            await blobs.DeleteBlobContainerAsync(c.Name);
    }

    /// <param name="Goal">How many times better than the stock provider Fleet's should be, if the issue sets a goal.</param>
    /// <param name="QueueMessages">Queue messages Fleet's provider sent (each later received or claimed, and deleted); 0 for the stock one.</param>
    /// <param name="TaskMessages">Task messages (starts, work items, results) those carried: what a provider with one queue message
    /// per task message, as DurableTask.AzureStorage, would have had to move.</param>
    private sealed record Row(string Scenario, double Value, string Unit, string Notes, bool HigherIsBetter, double? Goal,
        long QueueMessages, long TaskMessages, double TaskMessagesPerSecond, double Efficiency);

    private static double Percentile(List<double> values, int p)
    {
        var sorted = values.OrderBy(v => v).ToList();
        int index = (int)Math.Ceiling(p / 100.0 * sorted.Count) - 1;
        return sorted[Math.Clamp(index, 0, sorted.Count - 1)];
    }
}
