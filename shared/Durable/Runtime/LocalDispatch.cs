using Fleet.Durable.Storage;

namespace Fleet.Durable.Runtime;

/// <summary>In-process hand-off, so that work this process can do itself skips the queue's receive round trip and polling:
/// the message is still written to its queue, but sent claimed (hidden for the visibility timeout) and given straight to this
/// process's dispatcher. Until it is processed and deleted it stays in storage, so a crash loses nothing: it becomes visible
/// to every host when the claim runs out, as a received message does. Slots are taken without waiting; when none is free
/// (or the partition is not ours) the message simply goes through the queue.</summary>
internal interface ILocalDispatch
{
    /// <summary>Takes up to <paramref name="wanted"/> free activity slots without waiting; 0 when none is free or the worker is stopping.</summary>
    int TryTakeActivitySlots(int wanted);

    /// <summary>Gives back slots taken by <see cref="TryTakeActivitySlots"/> that will not be used.</summary>
    void ReleaseActivitySlots(int slots);

    /// <summary>Runs a claimed work item on <paramref name="slots"/> taken slots, releasing them when done.</summary>
    void RunActivities(QueueItem item, int slots);

    /// <summary>Takes an episode slot when this process polls <paramref name="partition"/> now and one is free.</summary>
    bool TryTakeEpisodeSlot(int partition);

    /// <summary>Gives back a slot taken by <see cref="TryTakeEpisodeSlot"/> that will not be used.</summary>
    void ReleaseEpisodeSlot();

    /// <summary>Runs an episode for a claimed control message on a taken slot, releasing it when done.</summary>
    void RunEpisode(QueueItem item);
}
