using System.Diagnostics;
using System.Text;

namespace Fleet.Tests.Support;

/// <summary>
/// A process the test starts (a Fleet host, the proxy, an Azurite of its own), with its output kept for failure messages.
/// <see cref="Kill"/> is SIGKILL: no shutdown code runs, as when a machine dies.
/// </summary>
public sealed class ChildProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private ChildProcess(Process process) => _process = process;

    public int Id => _process.Id;
    public bool HasExited => _process.HasExited;

    /// <summary>The last lines the process wrote (stdout and stderr), for assertion messages.</summary>
    public string Tail(int chars = 4000)
    {
        lock (_output) return _output.Length <= chars ? _output.ToString() : _output.ToString(_output.Length - chars, chars);
    }

    public static ChildProcess Start(string file, IEnumerable<string> args, IDictionary<string, string?> environment, string workingDirectory)
    {
        var info = new ProcessStartInfo(file)
        {
            WorkingDirectory = workingDirectory, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        foreach (var a in args) info.ArgumentList.Add(a);
        foreach (var (k, v) in environment) info.Environment[k] = v;
        var p = new Process { StartInfo = info };
        var child = new ChildProcess(p);
        p.OutputDataReceived += (_, e) => child.Append(e.Data);
        p.ErrorDataReceived += (_, e) => child.Append(e.Data);
        p.Start();
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        return child;
    }

    private void Append(string? line)
    {
        if (line is null) return;
        lock (_output)
        {
            _output.AppendLine(line);
            if (_output.Length > 200_000) _output.Remove(0, 100_000);
        }
    }

    public void Kill()
    {
        try { _process.Kill(entireProcessTree: true); }
        catch (InvalidOperationException) { }
    }

    /// <summary>Asks the process to stop (SIGTERM) and waits for it; kills it if it does not stop in time.</summary>
    public async Task StopAsync(TimeSpan timeout)
    {
        if (_process.HasExited) return;
        try { Process.Start("kill", ["-TERM", _process.Id.ToString()])?.WaitForExit(5000); }
        catch (System.ComponentModel.Win32Exception) { }
        using var cts = new CancellationTokenSource(timeout);
        try { await _process.WaitForExitAsync(cts.Token); }
        catch (OperationCanceledException) { Kill(); }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync(TimeSpan.FromSeconds(10));
        _process.Dispose();
    }
}
