using System.Text;
using System.Text.Json.Nodes;
using Fleet.KubeEmulator.Api;
using Fleet.KubeEmulator.Store;
using Microsoft.AspNetCore.Http;

namespace Fleet.KubeEmulator.Kubelet;

/// <summary>GET pods/{name}/log with container, tailLines, timestamps and follow (streams appended lines).</summary>
public sealed class PodLogHandler(EmulatorState state)
{
    public async Task Handle(HttpContext http, ResourcePath p)
    {
        if (http.Request.Method != "GET") throw ApiException.MethodNotAllowed("the server does not allow this method on the requested resource");
        var ns = p.Namespace!;
        var name = p.Name!;
        var pod = state.Store.Get(p.Type, ns, name) ?? throw ApiException.NotFound("pods", "", name);
        var container = ResolveContainer(pod, http.Request.Query["container"]);
        var q = http.Request.Query;
        var timestamps = ResourceHandler.IsTrue(q["timestamps"]);
        var follow = ResourceHandler.IsTrue(q["follow"]);
        IEnumerable<(DateTimeOffset At, string Line)> lines = state.Kubelet.GetPodLog(ns, name, container);
        var all = lines.ToList();
        if (int.TryParse(q["tailLines"], out var tail) && tail >= 0) lines = all.Skip(Math.Max(0, all.Count - tail));
        if (int.TryParse(q["sinceSeconds"], out var since) && since > 0)
            lines = lines.Where(l => l.At >= DateTimeOffset.UtcNow.AddSeconds(-since));

        http.Response.StatusCode = 200;
        http.Response.ContentType = "text/plain";
        await http.Response.StartAsync(http.RequestAborted);
        foreach (var l in lines) await Write(http, l, timestamps);
        await http.Response.Body.FlushAsync(http.RequestAborted);
        if (!follow) return;

        // Follow: stream lines appended after the request until the pod goes away or the client leaves.
        var written = all.Count;
        try
        {
            while (!http.RequestAborted.IsCancellationRequested)
            {
                await Task.Delay(100, http.RequestAborted);
                var current = state.Store.Get(p.Type, ns, name);
                if (current is null) return;
                // The kubelet ends a follow when the container has terminated (after the last lines).
                var ended = Terminated(current, container);
                var now = state.Kubelet.GetPodLog(ns, name, container);
                if (now.Count < written) written = 0; // replaced by SetPodLog: start over
                for (; written < now.Count; written++) await Write(http, now[written], timestamps);
                await http.Response.Body.FlushAsync(http.RequestAborted);
                if (ended) return;
            }
        }
        catch (OperationCanceledException) { }
        catch (IOException) { }
    }

    private static bool Terminated(JsonObject pod, string container)
    {
        if (Json.Str(pod, "status", "phase") is "Succeeded" or "Failed") return true;
        var status = Json.Objects(Json.At(pod, "status", "containerStatuses")).FirstOrDefault(c => Json.Str(c, "name") == container);
        return status is not null && Json.At(status, "state", "terminated") is not null;
    }

    public static string ResolveContainer(JsonObject pod, string? requested)
    {
        var names = Json.Objects(Json.At(pod, "spec", "containers")).Select(c => Json.Str(c, "name") ?? "").ToList();
        var all = names.Concat(Json.Objects(Json.At(pod, "spec", "initContainers")).Select(c => Json.Str(c, "name") ?? "")).ToList();
        if (string.IsNullOrEmpty(requested))
        {
            if (names.Count == 1) return names[0];
            throw ApiException.BadRequest($"a container name must be specified for pod {Json.Name(pod)}, choose one of: [{string.Join(" ", names)}]");
        }
        if (!all.Contains(requested)) throw ApiException.BadRequest($"container {requested} is not valid for pod {Json.Name(pod)}");
        return requested;
    }

    private static Task Write(HttpContext http, (DateTimeOffset At, string Line) l, bool timestamps)
    {
        var text = timestamps ? $"{l.At.UtcDateTime:yyyy-MM-dd'T'HH:mm:ss.fffffff}00Z {l.Line}\n" : l.Line + "\n";
        return http.Response.Body.WriteAsync(Encoding.UTF8.GetBytes(text), http.RequestAborted).AsTask();
    }
}
