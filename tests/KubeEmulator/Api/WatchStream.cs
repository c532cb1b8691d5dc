using System.Text;
using System.Text.Json.Nodes;
using Fleet.KubeEmulator.Discovery;
using Fleet.KubeEmulator.Store;
using Microsoft.AspNetCore.Http;

namespace Fleet.KubeEmulator.Api;

/// <summary>
/// <c>?watch=true</c>: a chunked stream of newline-delimited <c>{"type":...,"object":...}</c> events,
/// starting from <c>resourceVersion</c>, ending after <c>timeoutSeconds</c> or when the client goes.
/// </summary>
public sealed class WatchStream(EmulatorState state)
{
    private static readonly TimeSpan BookmarkEvery = TimeSpan.FromSeconds(5);

    public async Task Serve(HttpContext http, ResourceType rt, string? ns, string? name)
    {
        var q = http.Request.Query;
        var query = ListQuery.From(q);
        long? fromRv = long.TryParse(q["resourceVersion"], out var rv) ? rv : null;
        var bookmarks = ResourceHandler.IsTrue(q["allowWatchBookmarks"]);
        var timeout = int.TryParse(q["timeoutSeconds"], out var t) && t > 0 ? TimeSpan.FromSeconds(t) : Timeout.InfiniteTimeSpan;

        http.Response.StatusCode = 200;
        http.Response.ContentType = "application/json";
        Watcher watcher;
        try
        {
            watcher = state.Store.Watch(rt, ns, fromRv);
        }
        catch (ApiException e)
        {
            // A watch from a compacted version is answered in-stream with an ERROR event, as the real server does.
            await WriteLine(http, new JsonObject { ["type"] = "ERROR", ["object"] = e.ToStatus() });
            return;
        }
        using var _ = watcher;
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted);
        using var registration = state.WatchStreams.Register(cts);
        if (timeout != Timeout.InfiniteTimeSpan) cts.CancelAfter(timeout);
        await http.Response.StartAsync(cts.Token);
        await http.Response.Body.FlushAsync(cts.Token);
        var lastRv = fromRv ?? state.Store.CurrentResourceVersion;
        try
        {
            while (!cts.IsCancellationRequested)
            {
                using var wait = CancellationTokenSource.CreateLinkedTokenSource(cts.Token);
                wait.CancelAfter(BookmarkEvery);
                WatchEvent e;
                try
                {
                    e = await watcher.Events.Reader.ReadAsync(wait.Token);
                }
                catch (OperationCanceledException) when (!cts.IsCancellationRequested)
                {
                    if (bookmarks)
                        await WriteLine(http, new JsonObject
                        {
                            ["type"] = "BOOKMARK",
                            ["object"] = new JsonObject
                            {
                                ["kind"] = rt.Kind, ["apiVersion"] = rt.GroupVersion,
                                ["metadata"] = new JsonObject { ["resourceVersion"] = Math.Max(lastRv, state.Store.CurrentResourceVersion).ToString() },
                            },
                        });
                    continue;
                }
                lastRv = e.ResourceVersion;
                if (name is not null && Json.Name(e.Object) != name) continue;
                var type = e.Type;
                var matches = query.Matches(e.Object);
                if (type == "MODIFIED" && e.Previous is not null)
                {
                    // Leaving or entering the selection looks like a delete or an add to a filtered watch.
                    var matched = query.Matches(e.Previous);
                    if (matched && !matches) { type = "DELETED"; matches = true; }
                    else if (!matched && matches) type = "ADDED";
                }
                if (!matches) continue;
                await WriteLine(http, new JsonObject { ["type"] = type, ["object"] = ResourceHandler.Output(rt, e.Object) });
            }
        }
        catch (OperationCanceledException) { }
        catch (IOException) { }
    }

    private static async Task WriteLine(HttpContext http, JsonObject e)
    {
        await http.Response.Body.WriteAsync(Encoding.UTF8.GetBytes(Json.Serialize(e) + "\n"), http.RequestAborted);
        await http.Response.Body.FlushAsync(http.RequestAborted);
    }
}
