using Fleet.Durable.Http;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Worker;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Fleet.Durable.Tests;

/// <summary>A host with the durable engine and its HTTP API on a test server, with a fresh task hub per test class.</summary>
public abstract class DurableFixture : IAsyncLifetime
{
    public WebApplication App { get; private set; } = null!;
    public DurableTaskClient Client { get; private set; } = null!;
    public HttpClient Http { get; private set; } = null!;
    public string HubName { get; } = "t" + Guid.NewGuid().ToString("N")[..12];

    protected abstract void Configure(Dictionary<string, string?> settings);

    public async Task InitializeAsync()
    {
        var settings = new Dictionary<string, string?>
        {
            ["extensions:durableTask:hubName"] = "IgnoredBecauseAppSettingsWin",
            ["Durable:HubName"] = HubName,
            ["Durable:PartitionCount"] = "2",
            // Small, so that chaining of long timers is exercised by short tests.
            ["Durable:MaximumTimerInterval"] = "00:00:00.700",
            ["Durable:MaxQueuePollingInterval"] = "00:00:00.500",
        };
        Configure(settings);
        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseTestServer();
        builder.Logging.ClearProviders();
        // FLEET_TEST_LOG=1 shows the engine's logs when a test needs explaining.
        if (Environment.GetEnvironmentVariable("FLEET_TEST_LOG") is { Length: > 0 } logFile)
            builder.Logging.AddProvider(new FileLoggerProvider(logFile)).SetMinimumLevel(LogLevel.Debug);
        builder.Configuration.Sources.Clear();
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Services.AddFleetDurableTask(builder.Configuration);
        builder.Services.AddDurableTaskWorker(b => b.AddTasks(TestTasks.Register));
        App = builder.Build();
        App.MapDurableTaskHttpApi();
        await App.StartAsync();
        Client = App.Services.GetRequiredService<DurableTaskClient>();
        Http = App.GetTestClient();
    }

    public async Task DisposeAsync() => await App.DisposeAsync();
}

public sealed class InMemoryFixture : DurableFixture
{
    protected override void Configure(Dictionary<string, string?> settings) => settings["Durable:Provider"] = "InMemory";
}

/// <summary>Fleet's provider on Azurite.</summary>
public class AzuriteFixture : DurableFixture
{
    protected virtual string Provider => "Fleet";

    protected override void Configure(Dictionary<string, string?> settings)
    {
        settings["AzureWebJobsStorage"] = StorageConnection();
        settings["Durable:Provider"] = Provider;
    }

    public static string StorageConnection()
    {
        string? cs = Environment.GetEnvironmentVariable("AzureWebJobsStorage");
        if (string.IsNullOrEmpty(cs))
            throw new InvalidOperationException(
                "Environment variable AzureWebJobsStorage is not set: the Azure Storage provider tests need Azurite. " +
                "Start it with infra/peers/start-all.sh and source its peers.env, then run the tests again.");
        return cs;
    }
}

/// <summary>The stock DurableTask.AzureStorage provider on Azurite.</summary>
public sealed class StockFixture : AzuriteFixture
{
    protected override string Provider => "AzureStorage";
}

/// <summary>Appends log lines to a file (test diagnostics only).</summary>
internal sealed class FileLoggerProvider(string path) : ILoggerProvider
{
    private static readonly object Gate = new();

    public ILogger CreateLogger(string categoryName) => new FileLogger(path, categoryName);

    public void Dispose() { }

    private sealed class FileLogger(string path, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => category.StartsWith("Fleet", StringComparison.Ordinal);

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel)) return;
            lock (Gate) File.AppendAllText(path, $"{DateTime.UtcNow:HH:mm:ss.fff} {logLevel} {category}: {formatter(state, exception)} {exception}\n");
        }
    }
}
