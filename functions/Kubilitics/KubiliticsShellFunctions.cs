using Fleet.Functions.Platform.Contract;
using System.Net.WebSockets;
using System.Text.Json;
using Fleet.Core.Kubernetes;
using Fleet.Core.Kubilitics;
using Fleet.Core.Kubilitics.Shell;
using Fleet.Core.Platform.Errors;
using Fleet.Core.Platform.Identity;
using Fleet.Functions.Platform.Auth;
using Microsoft.Extensions.Options;

namespace Fleet.Functions.Kubilitics;

/// <summary>
/// <c>shell</c> and <c>kcli</c>: kubectl commands run by <see cref="KubectlShell"/> (the real kubectl, no shell),
/// completion, status, kcli's TUI state, and WebSocket sessions that keep a namespace between commands.
/// </summary>
public static class KubiliticsShellFunctions
{
    public sealed record ShellRequest(string? Command = null, string? Namespace = null);
    public sealed record ShellResponse(string Stdout, string Stderr, int ExitCode);
    public sealed record ShellStatusResponse(string Context, string Namespace, IReadOnlyList<string> Capabilities);
    public sealed record CompletionResponse(IReadOnlyList<string> Completions);
    public sealed record TuiStateResponse(TuiState State);
    public sealed record TuiState(string ClusterId, string ClusterName, string Context, string Namespace, IReadOnlyList<string> Namespaces,
        IReadOnlyList<string> Verbs, IReadOnlyList<string> ResourceKinds, IReadOnlyList<string> Capabilities);

    public static void MapKubiliticsShell(this RouteGroupBuilder group)
    {
        var c = group.MapGroup("/v1/clusters/{clusterId}").WithTags("kubilitics");
        c.MapPost("/shell", (string clusterId, ShellRequest body, HttpContext http, KubectlShell shell, AuthSettings auth, ClusterPermissionStore perms, CancellationToken ct) =>
                Execute(clusterId, body, http, shell, auth, perms, "shell", ct))
            .RequireRole(FleetRole.Viewer).WithSummary("Run a kubectl command (read verbs: viewer; verbs that change the cluster: operator)")
            .Produces<ShellResponse>().Produces<KubiliticsErrorJson>(400).Produces<KubiliticsErrorJson>(403).Produces<KubiliticsErrorJson>(404).Produces<KubiliticsErrorJson>(504);
        c.MapPost("/kcli/exec", (string clusterId, ShellRequest body, HttpContext http, KubectlShell shell, AuthSettings auth, ClusterPermissionStore perms, CancellationToken ct) =>
                Execute(clusterId, body, http, shell, auth, perms, "kcli", ct))
            .RequireRole(FleetRole.Viewer).WithSummary("Run a kcli command (kcli's kubectl verbs; same engine as shell)")
            .Produces<ShellResponse>().Produces<KubiliticsErrorJson>(400).Produces<KubiliticsErrorJson>(403).Produces<KubiliticsErrorJson>(404).Produces<KubiliticsErrorJson>(504);
        c.MapGet("/shell/status", Status).RequireRole(FleetRole.Viewer).WithSummary("Shell status: effective context, namespace, capabilities")
            .Produces<ShellStatusResponse>().Produces<KubiliticsErrorJson>(404);
        c.MapGet("/shell/complete", Complete).RequireRole(FleetRole.Viewer).WithSummary("Shell completion at a cursor position")
            .Produces<CompletionResponse>().Produces<KubiliticsErrorJson>(400).Produces<KubiliticsErrorJson>(404);
        c.MapGet("/kcli/complete", Complete).RequireRole(FleetRole.Viewer).WithSummary("kcli completion at a cursor position")
            .Produces<CompletionResponse>().Produces<KubiliticsErrorJson>(400).Produces<KubiliticsErrorJson>(404);
        c.MapGet("/kcli/tui/state", TuiStateOf).RequireRole(FleetRole.Viewer).WithSummary("kcli TUI/session state")
            .Produces<TuiStateResponse>().Produces<KubiliticsErrorJson>(404);
        c.MapGet("/shell/stream", (string clusterId, string? @namespace, HttpContext http, KubectlShell shell, AuthSettings auth, ClusterPermissionStore perms,
                    IOptions<ShellOptions> options, ClusterRegistry registry) => Stream(clusterId, @namespace, "shell", http, shell, auth, perms, options, registry))
            .RequireRole(FleetRole.Operator).WithSummary("Interactive shell session (WebSocket)").Streams(StreamKind.WebSocket)
            .WithDescription("Each text message is a command line; answers are JSON: {type:'ready'|'output'|'namespace'|'error', ...}. " +
                             "'namespace <name>' (or 'ns', 'cd') switches the session's namespace; 'exit' ends it. Idle sessions are closed.")
            .Produces(101).Produces<KubiliticsErrorJson>(400).Produces<KubiliticsErrorJson>(404);
        c.MapGet("/kcli/stream", (string clusterId, string? @namespace, string? mode, HttpContext http, KubectlShell shell, AuthSettings auth, ClusterPermissionStore perms,
                    IOptions<ShellOptions> options, ClusterRegistry registry) =>
                mode is null or "ui" or "shell"
                    ? Stream(clusterId, @namespace, "kcli", http, shell, auth, perms, options, registry)
                    : throw FleetException.Validation("mode", "Field 'mode' must be 'ui' or 'shell'"))
            .RequireRole(FleetRole.Operator).WithSummary("kcli session (WebSocket; mode ui or shell)").Streams(StreamKind.WebSocket)
            .Produces(101).Produces<KubiliticsErrorJson>(400).Produces<KubiliticsErrorJson>(404);
    }

    /// <summary>The caller's effective role on this cluster: a per-cluster permission replaces the global role.</summary>
    public static async Task<ShellCaller> CallerAsync(HttpContext http, string clusterId, AuthSettings auth, ClusterPermissionStore perms)
    {
        var c = http.User.Caller();
        if (c is null) return new ShellCaller(null, null, auth.Mode == AuthMode.Disabled ? UserRoles.Admin : UserRoles.Viewer, http.ClientIp());
        var role = await perms.GetRoleAsync(c.UserId, clusterId, http.RequestAborted) ?? c.Role;
        return new ShellCaller(c.UserId, c.Username, role, http.ClientIp());
    }

    private static async Task<IResult> Execute(string clusterId, ShellRequest body, HttpContext http, KubectlShell shell, AuthSettings auth,
        ClusterPermissionStore perms, string source, CancellationToken ct)
    {
        var caller = await CallerAsync(http, clusterId, auth, perms);
        var r = await shell.ExecuteAsync(clusterId, body.Command, body.Namespace, caller, source, ct);
        return Results.Json(new ShellResponse(r.Stdout, r.Stderr, r.ExitCode));
    }

    private static async Task<IResult> Status(string clusterId, KubectlShell shell, CancellationToken ct)
    {
        var (context, ns) = await shell.StatusAsync(clusterId, ct);
        return Results.Json(new ShellStatusResponse(context, ns, KubectlShell.Capabilities));
    }

    private static async Task<IResult> Complete(string clusterId, string? command, int? position, string? @namespace, ShellCompletion completion,
        ClusterRegistry registry, CancellationToken ct)
    {
        await registry.GetAsync(clusterId, ct);
        var ns = string.IsNullOrWhiteSpace(@namespace) ? KubectlShell.DefaultNamespace : KubeNames.Check(@namespace, "namespace");
        return Results.Json(new CompletionResponse(await completion.CompleteAsync(clusterId, command, position, ns, ct)));
    }

    private static async Task<IResult> TuiStateOf(string clusterId, string? @namespace, KubectlShell shell, ShellCompletion completion,
        ClusterRegistry registry, CancellationToken ct)
    {
        var cluster = await registry.GetAsync(clusterId, ct);
        var (context, ns) = await shell.StatusAsync(clusterId, ct);
        if (!string.IsNullOrWhiteSpace(@namespace)) ns = KubeNames.Check(@namespace, "namespace");
        var namespaces = await completion.CompleteAsync(clusterId, "get namespaces ", null, ns, ct);
        var kinds = (await completion.KindsAsync(clusterId, ct)).Select(k => k.Plural).Distinct().Order(StringComparer.Ordinal).ToList();
        return Results.Json(new TuiStateResponse(new TuiState(cluster.Id, cluster.Name, context, ns, namespaces, KubectlCommandParser.AllVerbs, kinds, KubectlShell.Capabilities)));
    }

    /// <summary>A session: one command line per text message; the namespace persists; idle sessions close.</summary>
    private static async Task Stream(string clusterId, string? @namespace, string source, HttpContext http, KubectlShell shell, AuthSettings auth,
        ClusterPermissionStore perms, IOptions<ShellOptions> options, ClusterRegistry registry)
    {
        await registry.GetAsync(clusterId, http.RequestAborted);
        var (context, defaultNs) = await shell.StatusAsync(clusterId, http.RequestAborted);
        var ns = string.IsNullOrWhiteSpace(@namespace) ? defaultNs : KubeNames.Check(@namespace, "namespace");
        if (!http.WebSockets.IsWebSocketRequest) throw FleetException.Validation("upgrade", "This endpoint needs a WebSocket upgrade");
        var caller = await CallerAsync(http, clusterId, auth, perms);
        using var ws = await http.WebSockets.AcceptWebSocketAsync();
        var gate = new SemaphoreSlim(1, 1);
        var ct = http.RequestAborted;
        await KubiliticsSockets.SendJsonAsync(ws, new { type = "ready", context, @namespace = ns, mode = source }, gate, ct);
        var closeStatus = WebSocketCloseStatus.NormalClosure;
        var closeReason = "bye";
        try
        {
            while (ws.State == WebSocketState.Open)
            {
                using var idle = CancellationTokenSource.CreateLinkedTokenSource(ct);
                idle.CancelAfter(options.Value.IdleTimeout);
                string? line;
                try { line = await KubiliticsSockets.ReceiveTextAsync(ws, idle.Token); }
                catch (OperationCanceledException) when (!ct.IsCancellationRequested)
                {
                    closeReason = "idle timeout";
                    break;
                }
                if (line is null) break;
                line = line.Trim();
                if (line.Length == 0) continue;
                if (line is "exit" or "quit") break;
                var words = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (words[0] is "namespace" or "ns" or "cd" && words.Length <= 2)
                {
                    try
                    {
                        if (words.Length == 2) ns = KubeNames.Check(words[1], "namespace");
                        await KubiliticsSockets.SendJsonAsync(ws, new { type = "namespace", @namespace = ns }, gate, ct);
                    }
                    catch (FleetException e) { await KubiliticsSockets.SendJsonAsync(ws, new { type = "error", error = e.Message }, gate, ct); }
                    continue;
                }
                try
                {
                    var r = await shell.ExecuteAsync(clusterId, line, ns, caller, source + "_stream", ct);
                    await KubiliticsSockets.SendJsonAsync(ws, new { type = "output", command = line, @namespace = ns, stdout = r.Stdout, stderr = r.Stderr, exit_code = r.ExitCode }, gate, ct);
                }
                catch (FleetException e) when (e.Kind != FleetErrorKind.Internal)
                {
                    await KubiliticsSockets.SendJsonAsync(ws, new { type = "error", command = line, error = e.Message }, gate, ct);
                }
            }
        }
        catch (Exception e) when (e is OperationCanceledException or WebSocketException or JsonException) { closeReason = "closed"; }
        await KubiliticsSockets.CloseAsync(ws, null, closeStatus, closeReason);
    }
}
