// A minimal durable host that the kill test SIGKILLs and restarts: usage `DurableKillHost <hub>`, storage from AzureWebJobsStorage.
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

var builder = Host.CreateApplicationBuilder();
builder.Logging.ClearProviders();
builder.Configuration.Sources.Clear();
builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
{
    ["AzureWebJobsStorage"] = Environment.GetEnvironmentVariable("AzureWebJobsStorage"),
    ["Durable:HubName"] = args[0],
    ["Durable:PartitionCount"] = "2",
    // Messages held by a killed host become visible again after this, instead of the default 5 minutes.
    ["Durable:MessageVisibilityTimeout"] = "00:00:03",
    ["Durable:MaxQueuePollingInterval"] = "00:00:00.500",
    // The shortest lease blobs allow, so a restarted host takes over the dead one's partitions soon.
    ["Durable:PartitionLeaseDuration"] = "00:00:15",
    ["Durable:PartitionLeaseRenewInterval"] = "00:00:02",
});
builder.Services.AddFleetDurableTask(builder.Configuration, r =>
{
    // A short delay keeps the fan-out in flight long enough for kills to land mid-run.
    r.AddActivityFunc<int, long>("KillSquare", async (_, x) => { await Task.Delay(20); return (long)x * x; });
    r.AddOrchestratorFunc<int, long>("KillFanOut", async (ctx, n) =>
        (await Task.WhenAll(Enumerable.Range(1, n).Select(i => ctx.CallActivityAsync<long>("KillSquare", i)))).Sum());
});
Console.WriteLine("ready");
await builder.Build().RunAsync();
