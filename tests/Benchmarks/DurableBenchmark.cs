using System.Diagnostics;
using Azure.Storage.Queues;
using Fleet.Durable;
using Fleet.Durable.Client;
using Fleet.Durable.Storage.AzureStorage;
using Fleet.Durable.Worker;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Fleet.Benchmarks;

/// <summary>The durable engine on Azurite: latency and throughput of the common orchestration shapes, each set against
/// the raw queue throughput of the same Azurite measured in the same run (efficiency = task messages the engine moved per
/// second ÷ raw send+receive+delete messages per second; batching lets one queue message carry several task messages).</summary>
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
    public string Description => "durable engine on Azurite: start→complete latency, chain, fan-out, concurrency, events vs raw queue throughput";

    public async Task<int> RunAsync(string[] args, CancellationToken ct)
    {
        string? cs = Environment.GetEnvironmentVariable("AzureWebJobsStorage");
        if (string.IsNullOrEmpty(cs))
        {
            Console.Error.WriteLine("AzureWebJobsStorage is not set: start infra/peers/start-all.sh and source its peers.env.");
            return 2;
        }

        double ceiling = await MeasureQueueCeilingAsync(cs, ct);

        string hub = "bench" + Guid.NewGuid().ToString("N")[..12];
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Configuration.Sources.Clear();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["AzureWebJobsStorage"] = cs,
            ["Durable:HubName"] = hub,
        });
        builder.Services.AddFleetDurableTask(builder.Configuration, Register);
        using var host = builder.Build();
        await host.StartAsync(ct);
        var client = host.Services.GetRequiredService<DurableTaskClient>();

        var rows = new List<Row>();
        try
        {
            // Warm-up: first calls pay for JIT, connection pools and partition leases, none of which is steady-state cost.
            for (int i = 0; i < 5; i++) await RunOneAsync(client, "One", 1, ct);

            rows.Add(await MeasureAsync("start→complete, 1 activity (×200 sequential)", ceiling, async () =>
            {
                var ms = new List<double>();
                for (int i = 0; i < LatencyInstances; i++) ms.Add(await RunOneAsync(client, "One", i, ct));
                return (Percentile(ms, 50), "ms p50", $"p95 {Percentile(ms, 95):F1} ms; goal p50 ≤ 50 ms", Percentile(ms, 50) <= 50);
            }));

            rows.Add(await MeasureAsync($"sequential chain of {ChainLength} activities", ceiling, async () =>
            {
                double ms = await RunOneAsync(client, "Chain", ChainLength, ct);
                double perSecond = ChainLength / (ms / 1000);
                return (perSecond, "activities/s", "goal ≥ 50/s", perSecond >= 50);
            }));

            rows.Add(await MeasureAsync($"fan-out/fan-in of {FanOutWidth:N0} activities", ceiling, async () =>
            {
                double ms = await RunOneAsync(client, "FanOut", FanOutWidth, ct);
                double perSecond = FanOutWidth / (ms / 1000);
                return (perSecond, "activities/s", "goal ≥ 250/s", perSecond >= 250);
            }));

            rows.Add(await MeasureAsync($"{ConcurrentInstances} concurrent 1-activity orchestrations", ceiling, async () =>
            {
                var watch = Stopwatch.StartNew();
                await Task.WhenAll(Enumerable.Range(0, ConcurrentInstances).Select(async i =>
                {
                    string id = await client.ScheduleNewOrchestrationInstanceAsync("One", i, cancellation: ct);
                    await WaitCompletedAsync(client, id, ct);
                }));
                double perSecond = ConcurrentInstances / watch.Elapsed.TotalSeconds;
                return (perSecond, "orchestrations/s", "", null);
            }));

            rows.Add(await MeasureAsync($"external event round trip (×{EventInstances})", ceiling, async () =>
            {
                var ms = new List<double>();
                for (int i = 0; i < EventInstances; i++)
                {
                    string id = await client.ScheduleNewOrchestrationInstanceAsync("Await", null, cancellation: ct);
                    // Running is written after the first episode's checkpoint, so the orchestration is already waiting.
                    await client.WaitForInstanceStartAsync(id, false, ct);
                    var watch = Stopwatch.StartNew();
                    await client.RaiseEventAsync(id, "go", i, ct);
                    var done = await WaitCompletedAsync(client, id, ct);
                    ms.Add(watch.Elapsed.TotalMilliseconds);
                    if (done.ReadOutputAs<int>() != i) throw new InvalidOperationException($"{id}: wrong event payload");
                }
                return (Percentile(ms, 50), "ms p50", $"p95 {Percentile(ms, 95):F1} ms", null);
            }));
        }
        finally
        {
            await host.StopAsync(CancellationToken.None);
            await DeleteHubAsync(cs, hub);
        }

        Console.WriteLine();
        Console.WriteLine($"Azurite queue ceiling: {ceiling:F0} messages/s (send+receive+delete, {CeilingSenders} senders + {CeilingReceivers} receivers, {CeilingWindow.TotalSeconds:F0} s). Efficiency goal ≥ 0.5.");
        Console.WriteLine();
        Console.WriteLine("| scenario | result | unit | notes | queue msgs | task msgs | task msgs/s | efficiency |");
        Console.WriteLine("|---|---:|---|---|---:|---:|---:|---:|");
        foreach (var r in rows)
            Console.WriteLine($"| {r.Scenario} | {r.Value:F1} | {r.Unit} | {r.Notes}{Verdict(r.MeetsGoal)} | {r.QueueMessages} | {r.TaskMessages} | {r.TaskMessagesPerSecond:F0} | {r.Efficiency:F2} |");

        await BenchResults.WriteAsync("durable", new
        {
            benchmark = "durable",
            date = DateTimeOffset.UtcNow,
            queue_ceiling_messages_per_second = ceiling,
            rows,
        });
        return 0;
    }

    private static string Verdict(bool? meets) => meets switch { true => " (met)", false => " (missed)", null => "" };

    private static void Register(DurableTaskRegistry r)
    {
        r.AddActivityFunc<int, int>("Inc", (_, x) => x + 1);
        r.AddOrchestratorFunc<int, int>("One", (ctx, x) => ctx.CallActivityAsync<int>("Inc", x));
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
        r.AddOrchestratorFunc<object?, int>("Await", (ctx, _) => ctx.WaitForExternalEvent<int>("go"));
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

    private static async Task<Row> MeasureAsync(string scenario, double ceiling,
        Func<Task<(double Value, string Unit, string Notes, bool? MeetsGoal)>> run)
    {
        long sentBefore = QueueMessageCounters.Sent, tasksBefore = QueueMessageCounters.TaskMessagesSent;
        var watch = Stopwatch.StartNew();
        var (value, unit, notes, meets) = await run();
        double seconds = watch.Elapsed.TotalSeconds;
        long messages = QueueMessageCounters.Sent - sentBefore;
        long taskMessages = QueueMessageCounters.TaskMessagesSent - tasksBefore;
        double perSecond = taskMessages / seconds;
        Console.Error.WriteLine($"{scenario}: {value:F1} {unit} ({seconds:F1} s)");
        return new Row(scenario, value, unit, notes, meets, messages, taskMessages, perSecond, perSecond / ceiling);
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

    /// <param name="QueueMessages">Queue messages the engine sent (each later received or claimed, and deleted).</param>
    /// <param name="TaskMessages">Task messages (starts, work items, results) those carried: what an engine with one queue message
    /// per task message, as DurableTask.AzureStorage, would have had to move.</param>
    private sealed record Row(string Scenario, double Value, string Unit, string Notes, bool? MeetsGoal,
        long QueueMessages, long TaskMessages, double TaskMessagesPerSecond, double Efficiency);

    private static double Percentile(List<double> values, int p)
    {
        var sorted = values.OrderBy(v => v).ToList();
        int index = (int)Math.Ceiling(p / 100.0 * sorted.Count) - 1;
        return sorted[Math.Clamp(index, 0, sorted.Count - 1)];
    }
}
