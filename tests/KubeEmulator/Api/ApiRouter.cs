using System.Text.Json.Nodes;
using Fleet.KubeEmulator.Discovery;
using Fleet.KubeEmulator.Exec;
using Fleet.KubeEmulator.Kubelet;
using Fleet.KubeEmulator.Store;
using Microsoft.AspNetCore.Http;

namespace Fleet.KubeEmulator.Api;

/// <summary>The single entry point: authentication, discovery, then resource paths.</summary>
public sealed class ApiRouter(EmulatorState state, Func<string> serverAddress)
{
    private readonly ResourceHandler _resources = new(state);
    private readonly PodLogHandler _logs = new(state);
    private readonly ExecHandler _exec = new(state);
    private readonly NodeProxyHandler _proxy = new(state);
    private readonly MetricsHandler _metrics = new(state);

    public async Task Handle(HttpContext http)
    {
        try
        {
            var path = http.Request.Path.Value?.TrimEnd('/') ?? "";
            if (path is "/healthz" or "/livez" or "/readyz")
            {
                http.Response.ContentType = "text/plain";
                await http.Response.WriteAsync("ok");
                return;
            }
            // /version is readable anonymously (system:public-info-viewer); everything else needs the token.
            if (path == "/version") { await HttpJson.Write(http, 200, DiscoveryDocuments.Version(state.Options.ServerVersion)); return; }
            if (!Authenticated(http))
            {
                await HttpJson.Write(http, 401, KubeStatus.Failure(401, "Unauthorized", "Unauthorized"));
                return;
            }
            var seg = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
            if (seg.Length == 0) { await HttpJson.Write(http, 200, RootPaths()); return; }
            switch (seg[0])
            {
                case "api":
                    if (seg.Length == 1) { await HttpJson.Write(http, 200, DiscoveryDocuments.CoreVersions(serverAddress())); return; }
                    await GroupVersion(http, "", seg[1], seg[2..]);
                    return;
                case "apis":
                    if (seg.Length == 1) { await HttpJson.Write(http, 200, DiscoveryDocuments.GroupList(state.Registry)); return; }
                    if (seg.Length == 2)
                    {
                        await HttpJson.Write(http, 200, DiscoveryDocuments.Group(state.Registry, seg[1]) ?? throw ApiException.ResourceNotFound());
                        return;
                    }
                    await GroupVersion(http, seg[1], seg[2], seg[3..]);
                    return;
                case "openapi" when seg.Length >= 2 && seg[1] == "v3":
                    // kubectl reads these to learn that the server validates fields itself.
                    var doc = seg.Length == 2 ? OpenApiDocuments.Root(state.Registry)
                        : seg[2] == "api" && seg.Length == 4 ? OpenApiDocuments.GroupVersion(state.Registry, "", seg[3])
                        : seg[2] == "apis" && seg.Length == 5 ? OpenApiDocuments.GroupVersion(state.Registry, seg[3], seg[4])
                        : null;
                    await HttpJson.Write(http, 200, doc ?? throw ApiException.ResourceNotFound());
                    return;
            }
            throw ApiException.ResourceNotFound();
        }
        catch (ApiException e)
        {
            if (!http.Response.HasStarted) await HttpJson.WriteError(http, e);
        }
        catch (OperationCanceledException) when (http.RequestAborted.IsCancellationRequested)
        {
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // What the real server answers for a handler panic: an InternalError Status.
            if (!http.Response.HasStarted)
                await HttpJson.Write(http, 500, KubeStatus.Failure(500, "InternalError", $"Internal error occurred: {e.Message}"));
        }
    }

    private bool Authenticated(HttpContext http)
    {
        var auth = http.Request.Headers.Authorization.ToString();
        return auth == $"Bearer {state.Options.Token}";
    }

    private async Task GroupVersion(HttpContext http, string group, string version, string[] rest)
    {
        if (rest.Length == 0)
        {
            await HttpJson.Write(http, 200, DiscoveryDocuments.ResourceList(state.Registry, group, version) ?? throw ApiException.ResourceNotFound());
            return;
        }
        var p = ResourcePath.Parse(state.Registry, group, version, rest) ?? throw ApiException.ResourceNotFound();
        if (group == "metrics.k8s.io") { await _metrics.Handle(http, p); return; }
        switch (p.Subresource)
        {
            case "log": await _logs.Handle(http, p); return;
            case "exec": await _exec.Handle(http, p); return;
            case "proxy": await _proxy.Handle(http, p); return;
        }
        await _resources.Handle(http, p);
    }

    private JsonObject RootPaths()
    {
        var paths = new List<string> { "/api", "/api/v1", "/apis", "/healthz", "/livez", "/readyz", "/version", "/openapi/v2", "/openapi/v3" };
        foreach (var (g, versions) in state.Registry.Groups())
        {
            paths.Add($"/apis/{g}");
            paths.AddRange(versions.Select(v => $"/apis/{g}/{v}"));
        }
        return new JsonObject { ["paths"] = new JsonArray(paths.Select(p => (JsonNode?)p).ToArray()) };
    }
}
