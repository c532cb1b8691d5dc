using Fleet.Durable.Client;
using Fleet.Durable.Runtime;
using Fleet.Durable.Worker;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Fleet.Durable.Tests;

/// <summary>Settings from host.json (<c>extensions:durableTask</c>) overridden by app settings (<c>Durable__*</c>), and DI registration.</summary>
public sealed class OptionsTests
{
    private static IConfiguration Config(params (string Key, string Value)[] values)
        => new ConfigurationBuilder().AddInMemoryCollection(values.Select(v => new KeyValuePair<string, string?>(v.Key, v.Value))).Build();

    private static DurableTaskOptions Resolve(IConfiguration config)
    {
        var services = new ServiceCollection();
        services.AddFleetDurableTask(config);
        return services.BuildServiceProvider().GetRequiredService<IOptions<DurableTaskOptions>>().Value;
    }

    [Fact]
    public void Defaults_match_the_documented_ones()
    {
        var o = Resolve(Config());
        Assert.Equal("FleetHub", o.HubName);
        Assert.Equal(4, o.PartitionCount);
        Assert.Equal(TimeSpan.FromSeconds(1), o.MaxQueuePollingInterval);
        Assert.Equal(TimeSpan.FromDays(3), o.MaximumTimerInterval);
        Assert.Equal(5, o.MaxDequeueCount);
        Assert.Equal(16, o.WorkItemBatchSize);
        Assert.Equal(DurableBackend.AzureStorage, o.Backend);
        Assert.Equal("UseDevelopmentStorage=true", o.StorageConnectionString);
    }

    [Fact]
    public void Host_json_values_are_read_and_app_settings_override_them()
    {
        var o = Resolve(Config(
            ("extensions:durableTask:hubName", "HostHub"),
            ("extensions:durableTask:partitionCount", "8"),
            ("extensions:durableTask:maxConcurrentActivityFunctions", "7"),
            ("extensions:durableTask:maxConcurrentOrchestratorFunctions", "3"),
            ("extensions:durableTask:maxQueuePollingInterval", "00:00:02"),
            ("extensions:durableTask:maxDequeueCount", "9"),
            ("extensions:durableTask:workItemBatchSize", "4"),
            ("Durable:HubName", "AppHub"),
            ("Durable:MaxQueuePollingInterval", "00:00:00.250"),
            ("Durable:Backend", "InMemory"),
            ("AzureWebJobsStorage", "UseDevelopmentStorage=true;x=1")));
        Assert.Equal("AppHub", o.HubName);
        Assert.Equal(8, o.PartitionCount);
        Assert.Equal(7, o.MaxConcurrentActivityFunctions);
        Assert.Equal(3, o.MaxConcurrentOrchestratorFunctions);
        Assert.Equal(TimeSpan.FromMilliseconds(250), o.MaxQueuePollingInterval);
        Assert.Equal(9, o.MaxDequeueCount);
        Assert.Equal(4, o.WorkItemBatchSize);
        Assert.Equal(DurableBackend.InMemory, o.Backend);
        Assert.Equal("UseDevelopmentStorage=true;x=1", o.StorageConnectionString);
    }

    [Theory]
    [InlineData("ab")]
    [InlineData("1hub")]
    [InlineData("my-hub")]
    [InlineData("hub_name")]
    public void Invalid_hub_names_are_refused(string hub)
    {
        var ex = Assert.Throws<ArgumentException>(() => new ServiceCollection().AddFleetDurableTask(Config(("Durable:HubName", hub))));
        Assert.Contains(hub, ex.Message);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("101")]
    public void A_work_item_batch_size_outside_1_to_100_is_refused(string size)
    {
        var ex = Assert.Throws<ArgumentException>(() => new ServiceCollection().AddFleetDurableTask(Config(("Durable:WorkItemBatchSize", size))));
        Assert.Contains("workItemBatchSize", ex.Message);
    }

    [Fact]
    public void Registrations_from_every_AddDurableTasks_call_are_collected_and_one_client_is_registered()
    {
        var services = new ServiceCollection();
        services.AddDurableTasks(r => r.AddActivityFunc<int, int>("A", (_, x) => x));
        services.AddFleetDurableTask(Config(("Durable:Backend", "InMemory")), r => r.AddOrchestratorFunc<int, int>("O", (_, x) => Task.FromResult(x)));
        services.AddDurableTasks(r => r.AddActivityFunc<int, int>("B", (_, x) => x));
        services.AddFleetDurableTask(Config(("Durable:Backend", "InMemory")));
        var sp = services.BuildServiceProvider();
        var registry = sp.GetRequiredService<DurableTaskRegistry>();
        Assert.True(registry.Activities.ContainsKey("A") && registry.Activities.ContainsKey("B"));
        Assert.True(registry.Orchestrators.ContainsKey("O"));
        Assert.Single(sp.GetServices<DurableTaskClient>());
        Assert.Single(sp.GetServices<IHostedService>());
        Assert.Equal("FleetHub", sp.GetRequiredService<DurableTaskClient>().Name);
    }

    [Fact]
    public void Duplicate_task_names_are_refused()
    {
        var r = new DurableTaskRegistry().AddActivityFunc<int, int>("Same", (_, x) => x);
        Assert.Throws<ArgumentException>(() => r.AddActivityFunc<int, int>("same", (_, x) => x));
    }

    [Fact]
    public void Partition_of_an_instance_is_a_stable_hash()
    {
        // FNV-1a is the same in every process (string.GetHashCode is randomized per process).
        Assert.Equal(2166136261u, Storage.StableHash.Fnv1a(""));
        Assert.Equal(0xe40c292cu, Storage.StableHash.Fnv1a("a"));
        Assert.InRange(Storage.StableHash.PartitionOf("some-instance", 4), 0, 3);
    }

    [Fact]
    public void NewGuid_is_a_name_based_v5_uuid_that_depends_on_instance_time_and_counter()
    {
        var a = new OrchestrationContextImpl("i1", TimeSpan.FromDays(3), null) { Now = new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc) };
        var b = new OrchestrationContextImpl("i1", TimeSpan.FromDays(3), null) { Now = new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc) };
        Guid a1 = a.NewGuid(), a2 = a.NewGuid();
        Assert.Equal(a1, b.NewGuid());
        Assert.Equal(a2, b.NewGuid());
        Assert.NotEqual(a1, a2);
        Assert.Equal('5', a1.ToString()[14]);
    }
}
