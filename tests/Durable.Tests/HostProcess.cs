using System.Diagnostics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Fleet.Durable.Tests;

/// <summary>A DurableKillHost child process and the lines it has written (see tests/DurableKillHost/HostReport.cs).</summary>
internal sealed class HostProcess : IAsyncDisposable
{
    /// <summary>The tests that run several hosts on one hub run one at a time, so that their hosts do not starve each other's
    /// lease renewals and hand-overs of CPU.</summary>
    public const string Collection = "several hosts";

    private readonly Process _process;
    private readonly List<string> _lines = [];
    private readonly Task _reader;

    private HostProcess(Process process)
    {
        _process = process;
        _reader = Task.Run(async () =>
        {
            while (await process.StandardOutput.ReadLineAsync() is { } line)
                lock (_lines) _lines.Add(line);
        });
    }

    public static string ConnectionString => Environment.GetEnvironmentVariable("AzureWebJobsStorage") is { Length: > 0 } s ? s
        : throw new InvalidOperationException("AzureWebJobsStorage is not set: start infra/peers/start-all.sh and source its peers.env.");

    /// <summary>A client of the hub only: its service provider is never started, so no worker runs in the test process.</summary>
    public static ServiceProvider ClientServices(string hub, int partitions, string provider = "Fleet") => new ServiceCollection().AddLogging().AddFleetDurableTask(
        new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["AzureWebJobsStorage"] = ConnectionString, ["Durable:HubName"] = hub, ["Durable:PartitionCount"] = partitions.ToString(),
            ["Durable:MaxQueuePollingInterval"] = "00:00:00.500", ["Durable:Provider"] = provider,
        }).Build()).BuildServiceProvider();

    /// <summary>Starts the host and waits for its <c>ready</c> line.</summary>
    public static async Task<HostProcess> StartAsync(string hub, params string[] options)
    {
        // The host is built next to this test's output: tests/DurableKillHost/bin/<configuration>/<tfm>/.
        var baseDir = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        string tfm = baseDir.Name, configuration = baseDir.Parent!.Name;
        string dll = Path.Combine(baseDir.Parent.Parent!.Parent!.Parent!.FullName, "DurableKillHost", "bin", configuration, tfm, "DurableKillHost.dll");
        var psi = new ProcessStartInfo("dotnet", [dll, hub, .. options])
        {
            RedirectStandardOutput = true, RedirectStandardInput = true, UseShellExecute = false,
        };
        psi.Environment["AzureWebJobsStorage"] = ConnectionString;
        var host = new HostProcess(Process.Start(psi)!);
        await host.WaitForLineAsync(l => l == "ready", 0, TimeSpan.FromSeconds(60));
        return host;
    }

    public string[] Lines { get { lock (_lines) return [.. _lines]; } }

    public bool HasExited => _process.HasExited;

    /// <summary>Waits for a line that matches, at index <paramref name="from"/> or later.</summary>
    public async Task<string> WaitForLineAsync(Func<string, bool> match, int from, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            string[] lines = Lines;
            if (lines.Skip(from).FirstOrDefault(match) is { } found) return found;
            if (_process.HasExited && _reader.IsCompleted && Lines.Length == lines.Length)
                throw new InvalidOperationException($"The host exited ({_process.ExitCode}) without the line; it wrote: {string.Join(" | ", lines.TakeLast(5))}");
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"No such line from the host in {timeout}; last lines: {string.Join(" | ", lines.TakeLast(5))}");
            await Task.Delay(50);
        }
    }

    /// <summary>Asks the host for its counters: (owned partitions, committed episodes, sentinel conflicts).</summary>
    public async Task<(string Owned, long Episodes, long Conflicts)> StatsAsync()
    {
        int from = Lines.Length;
        await _process.StandardInput.WriteLineAsync("stats");
        await _process.StandardInput.FlushAsync();
        var fields = (await WaitForLineAsync(l => l.StartsWith("stats ", StringComparison.Ordinal), from, TimeSpan.FromSeconds(30)))
            .Split(' ').Skip(1).Select(f => f.Split('=')).ToDictionary(f => f[0], f => f[1]);
        return (fields["owned"], long.Parse(fields["episodes"]), long.Parse(fields["conflicts"]));
    }

    /// <summary>SIGKILL on Linux: no shutdown code runs. Returns once every line it wrote has been read.</summary>
    public async Task KillAsync()
    {
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
        await _reader;
    }

    /// <summary>Closes stdin, which stops the host gracefully (its leases are released); kills it if it lingers.</summary>
    public async ValueTask DisposeAsync()
    {
        try { _process.StandardInput.Close(); } catch (IOException) { /* already gone */ }
        try { await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30)); }
        catch (TimeoutException) { _process.Kill(entireProcessTree: true); }
        await _process.WaitForExitAsync();
        _process.Dispose();
    }
}
