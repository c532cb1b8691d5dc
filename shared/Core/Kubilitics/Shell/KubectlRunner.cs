using System.Diagnostics;
using System.Text;
using Fleet.Core.Kubernetes;
using Fleet.Core.Platform.Errors;
using Microsoft.Extensions.Options;

namespace Fleet.Core.Kubilitics.Shell;

/// <summary>What kubectl printed and how it exited.</summary>
public sealed record ShellResult(string Stdout, string Stderr, int ExitCode);

/// <summary>
/// Runs the real kubectl for one command: a private directory per call holding the cluster's one-context kubeconfig
/// (mode 0600) and kubectl's cache, removed afterwards; the process started directly with an argument list (no shell),
/// a bare environment, stdin closed, a timeout that kills the process tree, and bounded output.
/// </summary>
public sealed class KubectlRunner(ClusterRegistry registry, IOptions<ShellOptions> options)
{
    public async Task<ShellResult> RunAsync(string clusterId, KubectlCommand command, string ns, CancellationToken ct)
    {
        var o = options.Value;
        var kubeconfig = await registry.SingleContextKubeconfigAsync(clusterId, ct);
        var dir = Directory.CreateTempSubdirectory("fleet-kubectl-");
        try
        {
            var configPath = Path.Combine(dir.FullName, "kubeconfig");
            var fileOptions = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
            if (!OperatingSystem.IsWindows()) fileOptions.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            await using (var f = new FileStream(configPath, fileOptions))
            {
                await f.WriteAsync(Encoding.UTF8.GetBytes(kubeconfig.Yaml), ct);
            }
            var psi = new ProcessStartInfo(o.KubectlPath)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                RedirectStandardInput = true,
                UseShellExecute = false,
                WorkingDirectory = dir.FullName,
            };
            psi.Environment.Clear();
            psi.Environment["PATH"] = "/usr/local/bin:/usr/bin:/bin";
            psi.Environment["HOME"] = dir.FullName;
            psi.Environment["KUBECONFIG"] = configPath;
            psi.ArgumentList.Add("--kubeconfig=" + configPath);
            psi.ArgumentList.Add("--cache-dir=" + Path.Combine(dir.FullName, "cache"));
            // Global flags go before the verb, so nothing lands after a "--" that hands the rest to a container.
            if (!command.HasNamespace) psi.ArgumentList.Add("--namespace=" + ns);
            foreach (var a in command.Arguments) psi.ArgumentList.Add(a);

            using var process = new Process { StartInfo = psi };
            try
            {
                process.Start();
            }
            catch (System.ComponentModel.Win32Exception e)
            {
                throw new FleetException(FleetErrorKind.Unavailable, $"kubectl cannot be started from '{o.KubectlPath}': {e.Message}");
            }
            process.StandardInput.Close();
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(o.Timeout);
            var stdout = ReadBoundedAsync(process.StandardOutput.BaseStream, o.MaxOutputBytes);
            var stderr = ReadBoundedAsync(process.StandardError.BaseStream, o.MaxOutputBytes);
            try
            {
                await process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                try { process.Kill(entireProcessTree: true); }
                catch (InvalidOperationException) { }
                await Task.WhenAll(stdout, stderr);
                if (ct.IsCancellationRequested) throw;
                throw new FleetException(FleetErrorKind.UpstreamTimeout, $"kubectl did not finish within {o.Timeout.TotalSeconds:0} s and was stopped");
            }
            return new ShellResult(Redact(await stdout, configPath, dir.FullName), Redact(await stderr, configPath, dir.FullName), process.ExitCode);
        }
        finally
        {
            try { dir.Delete(recursive: true); }
            catch (IOException) { }
        }
    }

    /// <summary>The private paths mean nothing to the caller; keep them out of answers.</summary>
    private static string Redact(string text, string configPath, string dir) =>
        text.Replace(configPath, "<kubeconfig>", StringComparison.Ordinal).Replace(dir, "<session>", StringComparison.Ordinal);

    private static async Task<string> ReadBoundedAsync(Stream stream, int limit)
    {
        var kept = new MemoryStream();
        var buffer = new byte[16384];
        long dropped = 0;
        int n;
        while ((n = await stream.ReadAsync(buffer)) > 0)
        {
            var room = (int)Math.Max(0, limit - kept.Length);
            kept.Write(buffer, 0, Math.Min(room, n));
            dropped += Math.Max(0, n - room);
        }
        var text = Encoding.UTF8.GetString(kept.GetBuffer(), 0, (int)kept.Length);
        return dropped > 0 ? text + $"\n[output truncated: {dropped} more bytes]\n" : text;
    }
}
