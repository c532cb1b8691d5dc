using Microsoft.Extensions.Hosting;

namespace Fleet.Core.Platform.Storage;

/// <summary>Names of the tables the families declare; created when the host starts.</summary>
public sealed class TableRegistry
{
    private readonly HashSet<string> _names = new(StringComparer.OrdinalIgnoreCase);

    public TableRegistry(IEnumerable<TableDeclaration> declarations)
    {
        foreach (var d in declarations) _names.Add(d.Name);
    }

    public void Add(string name) { lock (_names) _names.Add(name); }
    public IReadOnlyCollection<string> Names { get { lock (_names) return _names.ToArray(); } }
}

/// <summary>Creates every declared table at start, so the first request never pays for it.</summary>
public sealed class TableInitializer(FleetStorage storage, TableRegistry registry) : IHostedService
{
    public Task StartAsync(CancellationToken ct) =>
        Task.WhenAll(registry.Names.Select(n => storage.EnsureTableAsync(n, ct)));

    public Task StopAsync(CancellationToken ct) => Task.CompletedTask;
}
