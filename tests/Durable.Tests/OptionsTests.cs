using Fleet.Durable.Hosting;
using Fleet.Durable.Partitioning;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Worker;
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
        Assert.Equal(DurableProvider.Fleet, o.Provider);
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
            ("Durable:Provider", "InMemory"),
            ("AzureWebJobsStorage", "UseDevelopmentStorage=true;x=1")));
        Assert.Equal("AppHub", o.HubName);
        Assert.Equal(8, o.PartitionCount);
        Assert.Equal(7, o.MaxConcurrentActivityFunctions);
        Assert.Equal(3, o.MaxConcurrentOrchestratorFunctions);
        Assert.Equal(TimeSpan.FromMilliseconds(250), o.MaxQueuePollingInterval);
        Assert.Equal(9, o.MaxDequeueCount);
        Assert.Equal(4, o.WorkItemBatchSize);
        Assert.Equal(DurableProvider.InMemory, o.Provider);
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

    [Theory]
    [InlineData("AzureStorage", DurableProvider.AzureStorage)]
    [InlineData("fleet", DurableProvider.Fleet)]
    [InlineData("InMemory", DurableProvider.InMemory)]
    public void The_provider_is_chosen_by_host_json_storageProvider_type_and_Durable_Provider_overrides_it(string type, DurableProvider expected)
    {
        Assert.Equal(expected, Resolve(Config(("extensions:durableTask:storageProvider:type", type))).Provider);
        Assert.Equal(DurableProvider.InMemory, Resolve(Config(("extensions:durableTask:storageProvider:type", type), ("Durable:Provider", "InMemory"))).Provider);
    }

    [Fact]
    public void An_unknown_provider_is_refused_at_startup()
    {
        var ex = Assert.Throws<ArgumentException>(() => new ServiceCollection().AddFleetDurableTask(Config(("extensions:durableTask:storageProvider:type", "mssql"))));
        Assert.Contains("mssql", ex.Message);
    }

    [Fact]
    public void Tasks_from_every_AddDurableTaskWorker_call_are_collected_and_one_worker_and_one_client_are_registered()
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddDurableTaskWorker(b => b.AddTasks(r => r.AddActivityFunc<int, int>("A", (_, x) => x)));
        services.AddFleetDurableTask(Config(("Durable:Provider", "InMemory")));
        services.AddDurableTaskWorker(b => b.AddTasks(r => r.AddOrchestratorFunc<int, int>("O", (_, x) => Task.FromResult(x))));
        services.AddFleetDurableTask(Config(("Durable:Provider", "InMemory")));
        var sp = services.BuildServiceProvider();
        var registry = sp.GetRequiredService<IOptionsMonitor<DurableTaskRegistry>>().Get(Options.DefaultName);
        Assert.Contains(registry.GetActivities(), a => a.Key.Name == "A");
        Assert.Contains(registry.GetOrchestrators(), o => o.Key.Name == "O");
        Assert.Single(sp.GetServices<DurableTaskClient>());
        Assert.IsType<FleetDurableTaskWorker>(Assert.Single(sp.GetServices<IHostedService>()));
        Assert.Equal("FleetHub", ((Fleet.Durable.Client.FleetDurableTaskClient)sp.GetRequiredService<DurableTaskClient>()).TaskHubName);
    }

    [Fact]
    public void Partition_of_an_instance_is_a_stable_hash()
    {
        // FNV-1a is the same in every process (string.GetHashCode is randomized per process).
        Assert.Equal(2166136261u, StableHash.Fnv1a(""));
        Assert.Equal(0xe40c292cu, StableHash.Fnv1a("a"));
        Assert.InRange(StableHash.PartitionOf("some-instance", 4), 0, 3);
    }
}
