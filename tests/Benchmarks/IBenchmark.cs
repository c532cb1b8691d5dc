namespace Fleet.Benchmarks;

/// <summary>One benchmark scenario set, run on demand: <c>dotnet run -c Release --project tests/Benchmarks -- &lt;name&gt;</c>.</summary>
public interface IBenchmark
{
    /// <summary>The name given on the command line.</summary>
    string Name { get; }

    /// <summary>What it measures, for the list printed without arguments.</summary>
    string Description { get; }

    /// <summary>Runs, prints a Markdown table on stdout and writes JSON under bench-results/.</summary>
    Task<int> RunAsync(string[] args, CancellationToken ct);
}
