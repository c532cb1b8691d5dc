using System.Reflection;

namespace Fleet.Functions.Platform.Health;

public static class FleetVersion
{
    /// <summary>The product version every health route reports (from the assembly, not a literal).</summary>
    public static readonly string Value =
        typeof(FleetVersion).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0]
        ?? typeof(FleetVersion).Assembly.GetName().Version?.ToString(3) ?? "0.0.0";

    public static string Now() => DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ");
}
