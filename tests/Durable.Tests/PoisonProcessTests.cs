using Azure.Data.Tables;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.DependencyInjection;

namespace Fleet.Durable.Tests;

/// <summary>An activity whose work item kills its host every time it runs ends in <c>{hub}Poison</c> on Azurite, and its
/// instance fails with that reason after exactly the dequeue limit of attempts — it is not retried forever.</summary>
[Collection(HostProcess.Collection)]
public sealed class PoisonProcessTests
{
    private const int MaxDequeue = 2;

    [Fact]
    public async Task A_work_item_that_keeps_killing_its_host_is_parked_in_the_poison_table_and_its_instance_fails()
    {
        string hub = "poison" + Guid.NewGuid().ToString("N")[..12];
        await using var services = HostProcess.ClientServices(hub, 2);
        var client = services.GetRequiredService<DurableTaskClient>();
        var hosts = new List<HostProcess> { await HostProcess.StartAsync(hub, "--max-dequeue", MaxDequeue.ToString()) };
        try
        {
            string id = await client.ScheduleNewOrchestrationInstanceAsync("PoisonVictim", "x");
            var deadline = DateTime.UtcNow.AddSeconds(150);
            OrchestrationMetadata? m;
            while (true)
            {
                m = await client.GetInstanceAsync(id, getInputsAndOutputs: true);
                if (m?.IsCompleted == true) break;
                Assert.True(DateTime.UtcNow < deadline, $"instance still {m?.RuntimeStatus} after {hosts.Count} host starts");
                // The activity killed the host: start another, as a crash-looping deployment would.
                if (hosts[^1].HasExited) hosts.Add(await HostProcess.StartAsync(hub, "--max-dequeue", MaxDequeue.ToString()));
                await Task.Delay(200);
            }

            Assert.Equal(OrchestrationRuntimeStatus.Failed, m.RuntimeStatus);
            var cause = m.FailureDetails!.InnerFailure ?? m.FailureDetails;
            Assert.Equal("PoisonMessage", cause.ErrorType);
            Assert.Contains("poison store", cause.ErrorMessage);
            Assert.Contains("CrashHost", cause.ErrorMessage);

            // Ran exactly as often as the limit allows: the delivery after that was parked without running.
            int crashes = hosts.Sum(h => h.Lines.Count(l => l == $"crash {id}"));
            Assert.Equal(MaxDequeue, crashes);

            var poison = new TableClient(HostProcess.ConnectionString, hub + "Poison");
            var rows = poison.Query<TableEntity>(e => e.PartitionKey == id).ToList();
            var row = Assert.Single(rows);
            Assert.Equal("TaskScheduled", row.GetString("EventType"));
            Assert.Equal($"{hub.ToLowerInvariant()}-workitems", row.GetString("Queue"));
            Assert.Contains("CrashHost", row.GetString("Content"));
            Assert.Contains("dequeued", row.GetString("Reason"));
        }
        finally
        {
            foreach (var h in hosts) await h.DisposeAsync();
        }
    }
}
