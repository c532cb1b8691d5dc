using System.Text.RegularExpressions;
using Fleet.Core.Kubernetes;
using Fleet.Core.Platform.Errors;
using Fleet.Core.Platform.Identity;
using Microsoft.Extensions.Options;

namespace Fleet.Core.Kubilitics.Shell;

/// <summary>The caller of a shell command: their effective role on the cluster (per-cluster permission over global role).</summary>
public sealed record ShellCaller(string? UserId, string? Username, string Role, string? Ip);

/// <summary>
/// The engine behind <c>shell</c> and <c>kcli</c>: parse, check the verb against the caller's role, run kubectl,
/// and audit every command (who, cluster, namespace, the command with literal values redacted).
/// </summary>
public sealed partial class KubectlShell(KubectlRunner runner, ClusterRegistry registry, AuditLog audit, IOptions<ShellOptions> options)
{
    public const string DefaultNamespace = "default";
    public static readonly IReadOnlyList<string> Capabilities = ["exec", "complete", "stream", "pod-exec", "logs"];

    public async Task<ShellResult> ExecuteAsync(string clusterId, string? line, string? ns, ShellCaller caller, string source, CancellationToken ct)
    {
        var command = KubectlCommandParser.Parse(line, options.Value.MaxCommandLength);
        var namespaceName = string.IsNullOrWhiteSpace(ns) ? DefaultNamespace : KubeNames.Check(ns.Trim(), "namespace");
        await registry.GetAsync(clusterId, ct); // 404 before anything runs
        if (command.Mutating && UserRoles.Rank(caller.Role) < UserRoles.Rank(UserRoles.Operator))
        {
            await AuditAsync(clusterId, namespaceName, line!, caller, source, 403);
            throw new FleetException(FleetErrorKind.Forbidden, $"Insufficient permissions: '{command.Verb}' changes the cluster and requires operator role");
        }
        try
        {
            var result = await runner.RunAsync(clusterId, command, namespaceName, ct);
            await AuditAsync(clusterId, namespaceName, line!, caller, source, 200, result.ExitCode);
            return result;
        }
        catch (FleetException e)
        {
            await AuditAsync(clusterId, namespaceName, line!, caller, source, e.Kind.StatusCode());
            throw;
        }
    }

    /// <summary>Effective context and namespace of a new session on the cluster.</summary>
    public async Task<(string Context, string Namespace)> StatusAsync(string clusterId, CancellationToken ct)
    {
        var k = await registry.SingleContextKubeconfigAsync(clusterId, ct);
        var ns = k.Config.Contexts.Single().ContextDetails?.Namespace;
        return (k.Cluster.Context, string.IsNullOrEmpty(ns) ? DefaultNamespace : ns);
    }

    private Task AuditAsync(string clusterId, string ns, string line, ShellCaller caller, string source, int status, int? exitCode = null) =>
        audit.RecordAsync(source, status, caller.UserId, caller.Username, caller.Ip,
            $"kubectl {Redact(line)}" + (exitCode is { } x ? $" (exit {x})" : ""), clusterId: clusterId, kind: "shell", ns: ns,
            ct: CancellationToken.None);

    /// <summary>Literal values (e.g. <c>--from-literal=password=...</c>, <c>--token ...</c>) never reach the audit log.</summary>
    public static string Redact(string line) => LiteralPattern().Replace(line.Length > 500 ? line[..500] + "…" : line, "$1=<redacted>");

    [GeneratedRegex(@"(--from-literal|--password|--token|--docker-password)[= ]\S+")]
    private static partial Regex LiteralPattern();
}
