using System.Text.RegularExpressions;

namespace Fleet.Durable;

/// <summary>Which orchestration service provider runs the task hub under DurableTask.Core.</summary>
public enum DurableProvider
{
    /// <summary>Fleet's Azure Storage provider (tables, queues and blobs; Azurite locally): batched work items and in-process
    /// hand-off, timers exact to the millisecond.</summary>
    Fleet,
    /// <summary>The stock DurableTask.AzureStorage provider, whose task hub format Durable Functions and its tooling read.</summary>
    AzureStorage,
    /// <summary>Fleet's provider over process memory, for fast orchestrator tests.</summary>
    InMemory,
}

/// <summary>Durable engine settings: host.json <c>extensions:durableTask</c>, overridden by app settings <c>Durable__*</c>.</summary>
public sealed partial class DurableTaskOptions
{
    /// <summary>Gets or sets the task hub name (letters and digits, 3-45 characters, starting with a letter).</summary>
    public string HubName { get; set; } = "FleetHub";

    /// <summary>Gets or sets the number of control-queue partitions (1-16).</summary>
    public int PartitionCount { get; set; } = 4;

    /// <summary>Gets or sets how many activities run at once in this process.</summary>
    public int MaxConcurrentActivityFunctions { get; set; } = 10 * Environment.ProcessorCount;

    /// <summary>Gets or sets how many orchestration episodes run at once in this process.</summary>
    public int MaxConcurrentOrchestratorFunctions { get; set; } = 10 * Environment.ProcessorCount;

    /// <summary>Gets or sets how many activities scheduled by one episode share one work-item queue message (1-100): their results
    /// return together in one control message. 1 gives every activity its own message, as DurableTask.AzureStorage does.</summary>
    public int WorkItemBatchSize { get; set; } = 16;

    /// <summary>Gets or sets the longest idle polling interval.</summary>
    public TimeSpan MaxQueuePollingInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Gets or sets the longest single durable timer; longer timers are chained.</summary>
    public TimeSpan MaximumTimerInterval { get; set; } = TimeSpan.FromDays(3);

    /// <summary>Gets or sets how many times a message may be dequeued before it is treated as poison.</summary>
    public int MaxDequeueCount { get; set; } = 5;

    /// <summary>Gets or sets how long a received control or work-item message stays hidden while it is processed.</summary>
    public TimeSpan MessageVisibilityTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Gets or sets how long a host's blob lease on a control-queue partition lasts (15-60 s).</summary>
    public TimeSpan PartitionLeaseDuration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Gets or sets how often partition leases are renewed and rebalanced between hosts.</summary>
    public TimeSpan PartitionLeaseRenewInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Gets or sets the orchestration service provider (<c>Durable__Provider</c>, host.json
    /// <c>extensions.durableTask.storageProvider.type</c>).</summary>
    public DurableProvider Provider { get; set; } = DurableProvider.Fleet;

    /// <summary>Gets or sets the storage connection string (configuration value <c>AzureWebJobsStorage</c>).</summary>
    public string StorageConnectionString { get; set; } = "UseDevelopmentStorage=true";

    /// <summary>Throws <see cref="ArgumentException"/> when a setting is invalid.</summary>
    public void Validate()
    {
        ValidateHubName(HubName);
        if (PartitionCount is < 1 or > 16) throw new ArgumentException("Durable partitionCount must be between 1 and 16.", nameof(PartitionCount));
        if (MaxConcurrentActivityFunctions < 1 || MaxConcurrentOrchestratorFunctions < 1)
            throw new ArgumentException("Durable concurrency limits must be 1 or more.");
        if (WorkItemBatchSize is < 1 or > 100) throw new ArgumentException("Durable workItemBatchSize must be between 1 and 100.", nameof(WorkItemBatchSize));
        if (MaxQueuePollingInterval <= TimeSpan.Zero) throw new ArgumentException("Durable maxQueuePollingInterval must be positive.", nameof(MaxQueuePollingInterval));
        if (MaximumTimerInterval <= TimeSpan.Zero || MaximumTimerInterval > TimeSpan.FromDays(6))
            throw new ArgumentException("Durable maximumTimerInterval must be positive and at most 6 days (queue visibility is limited to 7).", nameof(MaximumTimerInterval));
        if (PartitionLeaseDuration < TimeSpan.FromSeconds(15) || PartitionLeaseDuration > TimeSpan.FromSeconds(60))
            throw new ArgumentException("Durable partitionLeaseDuration must be between 15 and 60 seconds (blob lease limits).", nameof(PartitionLeaseDuration));
        if (PartitionLeaseRenewInterval <= TimeSpan.Zero || PartitionLeaseRenewInterval >= PartitionLeaseDuration)
            throw new ArgumentException("Durable partitionLeaseRenewInterval must be positive and shorter than the lease.", nameof(PartitionLeaseRenewInterval));
        if (MaxDequeueCount < 1) throw new ArgumentException("Durable maxDequeueCount must be 1 or more.", nameof(MaxDequeueCount));
    }

    /// <summary>Throws <see cref="ArgumentException"/> unless <paramref name="hubName"/> is usable in table, queue and container names.</summary>
    /// <param name="hubName">The task hub name.</param>
    public static void ValidateHubName(string? hubName)
    {
        // Tables need a letter first and alphanumerics; queue names built from it must stay under 63 characters.
        if (hubName is null || !HubNamePattern().IsMatch(hubName))
            throw new ArgumentException($"Task hub name '{hubName}' is invalid: use 3 to 45 letters and digits, starting with a letter.", nameof(hubName));
    }

    [GeneratedRegex("^[A-Za-z][A-Za-z0-9]{2,44}$")]
    private static partial Regex HubNamePattern();
}
