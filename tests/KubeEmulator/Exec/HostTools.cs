using System.Text;
using System.Text.RegularExpressions;
using Fleet.KubeEmulator.Kubelet;

namespace Fleet.KubeEmulator.Exec;

/// <summary>
/// A node's host as a privileged hostPID pod sees it through nsenter: <c>runc --version</c>, <c>criu --version</c>, and the
/// steps of installing a runc release (<c>curl -fsSL -o /usr/local/sbin/runc URL</c> from the runc releases,
/// <c>chmod</c>); the versions live in <see cref="KubeletSimulator.HostTool"/>.
/// </summary>
public sealed partial class HostTools(KubeletSimulator kubelet, string node)
{
    public ExecResult Run(string[] argv)
    {
        var name = Path.GetFileName(argv[0]);
        switch (name)
        {
            case "runc" when argv.Skip(1).FirstOrDefault() is "--version" or "-v":
                return kubelet.HostTool(node, "runc") is { } runc
                    ? Ok($"runc version {runc}\ncommit: v{runc}-0-g{Commit(runc)}\nspec: 1.2.0\ngo: go1.22.10\nlibseccomp: 2.5.5\n")
                    : NotFound(argv[0]);
            case "criu" when argv.Skip(1).FirstOrDefault() is "--version" or "-V":
                return kubelet.HostTool(node, "criu") is { } criu ? Ok($"Version: {criu}\n") : NotFound(argv[0]);
            case "curl":
            {
                var output = argv.SkipWhile(a => a != "-o").Skip(1).FirstOrDefault();
                var url = argv.LastOrDefault(a => a.StartsWith("http", StringComparison.Ordinal));
                var m = url is null ? null : RuncRelease().Match(url);
                if (m is null || !m.Success)
                    return new ExecResult([], Encoding.UTF8.GetBytes("curl: (22) The requested URL returned error: 404\n"), 22);
                if (output is not null) _downloaded[output] = m.Groups[1].Value;
                return new ExecResult([], [], 0);
            }
            case "chmod" or "true":
                return new ExecResult([], [], 0);
            case "mv" when argv.Length == 3:
                if (!_downloaded.TryGetValue(argv[1], out var version))
                    return new ExecResult([], Encoding.UTF8.GetBytes($"mv: cannot stat '{argv[1]}': No such file or directory\n"), 1);
                if (Path.GetFileName(argv[2]) == "runc") kubelet.SetHostTool(node, "runc", version);
                return new ExecResult([], [], 0);
        }
        return NotFound(argv[0]);
    }

    private readonly Dictionary<string, string> _downloaded = [];

    private static ExecResult Ok(string stdout) => new(Encoding.UTF8.GetBytes(stdout), [], 0);

    private static ExecResult NotFound(string cmd) =>
        new([], Encoding.UTF8.GetBytes($"nsenter: failed to execute {cmd}: No such file or directory\n"), 127);

    private static string Commit(string version) => Convert.ToHexStringLower(System.Security.Cryptography.SHA1.HashData(Encoding.ASCII.GetBytes(version)))[..8];

    [GeneratedRegex(@"^https://github\.com/opencontainers/runc/releases/download/v(\d+\.\d+\.\d+)/runc\.(amd64|arm64)$")]
    private static partial Regex RuncRelease();
}
