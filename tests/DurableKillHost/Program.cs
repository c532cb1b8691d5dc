// A minimal durable host that tests run as a separate process: usage
// `DurableKillHost <hub> [--name A] [--partitions N] [--max-dequeue N] [--provider Fleet|AzureStorage]`,
// storage from AzureWebJobsStorage. Without --name it is the kill test's host (SIGKILLed and restarted); with --name it is
// one of several peers on the hub, which also reports its partitions. Stdout lines are described in HostReport.
using Fleet.Durable.KillHost;
using Microsoft.DurableTask.Worker;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

string hub = args[0];
string? name = Option("--name");
bool peer = name is not null;

var settings = new Dictionary<string, string?>
{
    ["AzureWebJobsStorage"] = Environment.GetEnvironmentVariable("AzureWebJobsStorage"),
    ["Durable:HubName"] = hub,
    ["Durable:Provider"] = Option("--provider") ?? "Fleet",
    ["Durable:PartitionCount"] = Option("--partitions") ?? (peer ? "4" : "2"),
    ["Durable:MaxQueuePollingInterval"] = "00:00:00.500",
    // The shortest lease blobs allow, so a restarted host takes over the dead one's partitions soon.
    ["Durable:PartitionLeaseDuration"] = "00:00:15",
    ["Durable:PartitionLeaseRenewInterval"] = "00:00:02",
};
// Messages held by a killed host become visible again after this, instead of the default 5 minutes. Peers are never
// killed and keep the default, so a slow episode is never handed out twice by its queue.
if (!peer) settings["Durable:MessageVisibilityTimeout"] = "00:00:03";
if (Option("--max-dequeue") is { } maxDequeue) settings["Durable:MaxDequeueCount"] = maxDequeue;

var builder = Host.CreateApplicationBuilder();
builder.Logging.ClearProviders();
builder.Configuration.Sources.Clear();
builder.Configuration.AddInMemoryCollection(settings);
builder.Services.AddFleetDurableTask(builder.Configuration);
builder.Services.AddDurableTaskWorker(b => b.AddTasks(HostTasks.Register));
using var host = builder.Build();
await host.StartAsync();
HostReport.Line("ready");
await HostReport.ServeAsync(host, peer);
await host.StopAsync();

string? Option(string flag) => Array.IndexOf(args, flag) is int i and >= 0 && i + 1 < args.Length ? args[i + 1] : null;
