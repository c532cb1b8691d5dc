using k8s;
using k8s.Models;

namespace Fleet.KubeEmulator.Tests;

[Collection("cluster")]
[Trait("Category", "Kubernetes")]
public sealed class WatchTests(ClusterFixture fixture)
{
    private Kubernetes Client => fixture.Cluster.Client;

    [Fact]
    public async Task Watch_delivers_added_modified_deleted_from_a_resourceVersion()
    {
        var ns = await fixture.Cluster.CreateNamespaceAsync();
        var list = await Client.CoreV1.ListNamespacedConfigMapAsync(ns);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var seen = new List<(WatchEventType Type, string Name, string? Value)>();
        var reader = Task.Run(async () =>
        {
            var events = Client.CoreV1.WatchListNamespacedConfigMapAsync(ns,
                resourceVersion: list.Metadata.ResourceVersion, allowWatchBookmarks: true, cancellationToken: cts.Token);
            await foreach (var (type, cm) in events)
            {
                if (type == WatchEventType.Bookmark || cm.Metadata.Name != "watched") continue;
                lock (seen) seen.Add((type, cm.Metadata.Name, cm.Data is { } d && d.TryGetValue("v", out var v) ? v : null));
                if (type == WatchEventType.Deleted) return;
            }
        }, cts.Token);

        await Task.Delay(200);
        var cm = await Client.CoreV1.CreateNamespacedConfigMapAsync(
            new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "watched" }, Data = new Dictionary<string, string> { ["v"] = "1" } }, ns);
        cm.Data["v"] = "2";
        await Client.CoreV1.ReplaceNamespacedConfigMapAsync(cm, "watched", ns);
        await Client.CoreV1.DeleteNamespacedConfigMapAsync("watched", ns);
        await reader;

        Assert.Equal(
            [(WatchEventType.Added, "watched", "1"), (WatchEventType.Modified, "watched", "2"), (WatchEventType.Deleted, "watched", "2")],
            seen);
    }

    [Fact]
    public async Task Watch_replays_events_after_an_old_resourceVersion_and_honours_timeoutSeconds()
    {
        var ns = await fixture.Cluster.CreateNamespaceAsync();
        var first = await Client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "one" } }, ns);
        await Client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "two" } }, ns);

        var names = new List<string>();
        var events = Client.CoreV1.WatchListNamespacedConfigMapAsync(ns, resourceVersion: first.Metadata.ResourceVersion, timeoutSeconds: 1);
        await foreach (var (type, cm) in events)
            if (type == WatchEventType.Added && cm.Metadata.Name is "one" or "two") names.Add(cm.Metadata.Name);
        Assert.Equal(["two"], names);
    }

    [Fact]
    public async Task A_label_filtered_watch_sees_objects_enter_and_leave_the_selection()
    {
        var ns = await fixture.Cluster.CreateNamespaceAsync();
        var list = await Client.CoreV1.ListNamespacedConfigMapAsync(ns);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var seen = new List<WatchEventType>();
        var reader = Task.Run(async () =>
        {
            var events = Client.CoreV1.WatchListNamespacedConfigMapAsync(ns, labelSelector: "tier=gold",
                resourceVersion: list.Metadata.ResourceVersion, cancellationToken: cts.Token);
            await foreach (var (type, _) in events)
            {
                seen.Add(type);
                if (type == WatchEventType.Deleted) return;
            }
        }, cts.Token);

        var cm = await Client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "moving" } }, ns);
        cm.Metadata.Labels = new Dictionary<string, string> { ["tier"] = "gold" };
        cm = await Client.CoreV1.ReplaceNamespacedConfigMapAsync(cm, "moving", ns);
        cm.Metadata.Labels["tier"] = "silver";
        await Client.CoreV1.ReplaceNamespacedConfigMapAsync(cm, "moving", ns);
        await reader;
        Assert.Equal([WatchEventType.Added, WatchEventType.Deleted], seen);
    }
}
