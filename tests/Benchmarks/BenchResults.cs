using System.Text.Json;

namespace Fleet.Benchmarks;

/// <summary>Where results go: <c>bench-results/&lt;name&gt;.json</c> at the repository root.</summary>
public static class BenchResults
{
    public static string RepoRoot()
    {
        for (var d = new DirectoryInfo(Directory.GetCurrentDirectory()); d is not null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "Functions.sln"))) return d.FullName;
        return Directory.GetCurrentDirectory();
    }

    public static async Task WriteAsync(string name, object result)
    {
        var dir = Path.Combine(RepoRoot(), "bench-results");
        Directory.CreateDirectory(dir);
        var json = JsonSerializer.Serialize(result, new JsonSerializerOptions { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower });
        await File.WriteAllTextAsync(Path.Combine(dir, name + ".json"), json);
        Console.WriteLine($"wrote bench-results/{name}.json");
    }
}
