using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using Fleet.Core.Platform.Health;
using Fleet.Tests.Support;
using Microsoft.Extensions.Logging;

namespace Fleet.Tests.Platform;

/// <summary>Issue 14's operability points: a down component logs once per change of state; SIGTERM stops the host fast without a broker.</summary>
public sealed class OperabilityTests
{
    [Fact]
    public async Task A_down_component_is_one_warning_per_change_of_state_without_stack_traces()
    {
        var logs = new CapturingProvider();
        await using var app = await FleetApp.StartAsync(new Dictionary<string, string?>
        {
            ["Mqtt__Broker"] = $"127.0.0.1:{Peers.FreePort()}",
            ["Logging__LogLevel__Default"] = "Information",
        }, configure: b => b.Logging.AddProvider(logs));
        for (var i = 0; i < 4; i++)
        {
            var r = await app.Client.GetAsync("/api/health");
            Assert.Equal(HttpStatusCode.ServiceUnavailable, r.StatusCode);
        }
        var health = logs.Lines.Where(l => l.Category == typeof(FleetHealth).FullName).ToList();
        Assert.Single(health, l => l.Level == LogLevel.Warning && l.Message.Contains("mqtt"));
        Assert.DoesNotContain(logs.Lines, l => l.Category == FleetHealth.FrameworkLogCategory);
        Assert.DoesNotContain(health, l => l.HasException);
    }

    [Fact]
    public async Task The_host_stops_within_seconds_on_SIGTERM_when_the_broker_is_gone()
    {
        var dll = Path.Combine(Peers.RepoRoot, "functions", "bin", "Debug", "net10.0", "Fleet.Functions.dll");
        var port = Peers.FreePort();
        var psi = new ProcessStartInfo("dotnet", [dll]) { WorkingDirectory = Peers.RepoRoot, RedirectStandardOutput = true, RedirectStandardError = true };
        psi.Environment["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}";
        psi.Environment["Mqtt__Broker"] = $"127.0.0.1:{Peers.FreePort()}";
        psi.Environment["Durable__HubName"] = "Term" + Guid.NewGuid().ToString("N")[..12];
        psi.Environment["Auth__BootstrapAdminPassword"] = "unused-" + Guid.NewGuid().ToString("N");
        using var process = Process.Start(psi)!;
        // Kept for the failure message: what the host was doing when it did not stop.
        var output = new System.Collections.Concurrent.ConcurrentQueue<string>();
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) output.Enqueue(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) output.Enqueue(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
            var up = false;
            for (var deadline = DateTime.UtcNow.AddSeconds(90); DateTime.UtcNow < deadline && !process.HasExited && !up;)
            {
                try { up = (await http.GetAsync($"http://127.0.0.1:{port}/api/health")).StatusCode is HttpStatusCode.OK or HttpStatusCode.ServiceUnavailable; }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException) { await Task.Delay(300); }
            }
            Assert.True(up, "the host never answered");
            var watch = Stopwatch.StartNew();
            Process.Start("kill", ["-TERM", process.Id.ToString()])!.WaitForExit();
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            try { await process.WaitForExitAsync(cts.Token); }
            catch (OperationCanceledException)
            {
                Assert.Fail("the host did not stop within 20 s of SIGTERM; its last lines:\n" + string.Join("\n", output.TakeLast(40)));
            }
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10), $"stopping took {watch.Elapsed.TotalSeconds:F1} s");
        }
        finally
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
        }
    }

    private sealed record Line(string Category, LogLevel Level, string Message, bool HasException);

    private sealed class CapturingProvider : ILoggerProvider
    {
        public ConcurrentQueue<Line> Lines { get; } = new();
        public ILogger CreateLogger(string categoryName) => new Logger(categoryName, Lines);
        public void Dispose() { }

        private sealed class Logger(string category, ConcurrentQueue<Line> lines) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
            public bool IsEnabled(LogLevel logLevel) => true;
            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                lines.Enqueue(new Line(category, logLevel, formatter(state, exception), exception is not null));
        }
    }
}
