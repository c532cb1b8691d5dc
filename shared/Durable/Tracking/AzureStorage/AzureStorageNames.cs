namespace Fleet.Durable.Tracking.AzureStorage;

/// <summary>The storage names of a task hub, as DurableTask.AzureStorage names them (queues and containers lowercase).</summary>
internal sealed class AzureStorageNames(string hubName)
{
    private readonly string _lower = hubName.ToLowerInvariant();

    public string InstancesTable => $"{hubName}Instances";
    public string HistoryTable => $"{hubName}History";
    public string PoisonTable => $"{hubName}Poison";
    public string WorkItemQueue => $"{_lower}-workitems";
    public string LargeMessagesContainer => $"{_lower}-largemessages";
    public string LeasesContainer => $"{_lower}-leases";

    public string ControlQueue(int partition) => $"{_lower}-control-{partition:00}";
}
