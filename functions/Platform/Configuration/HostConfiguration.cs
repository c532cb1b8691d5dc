using System.Text.Json;
using System.Text.Json.Nodes;

namespace Fleet.Functions.Platform.Configuration;

/// <summary>
/// Loads configuration the way Azure Functions does: <c>host.json</c> for host-level defaults, the
/// <c>Values</c> of <c>local.settings.json</c> as app settings (flat keys, <c>__</c> as separator),
/// and environment variables and the command line over both.
/// </summary>
public static class HostConfiguration
{
    public const string DefaultUrls = "http://127.0.0.1:7071";

    public static void AddFleetHostConfiguration(this WebApplicationBuilder builder, string[] args)
    {
        var dir = FindSettingsDirectory(builder.Environment.ContentRootPath);
        var config = builder.Configuration;

        var hostJson = Path.Combine(dir ?? AppContext.BaseDirectory, "host.json");
        if (!File.Exists(hostJson)) hostJson = Path.Combine(AppContext.BaseDirectory, "host.json");
        if (File.Exists(hostJson)) config.AddJsonFile(hostJson, optional: true, reloadOnChange: false);
        // host.json's "logging" section means what ASP.NET Core's "Logging" section means (keys are case-insensitive).

        var localSettings = dir is null ? null : Path.Combine(dir, "local.settings.json");
        if (localSettings is not null && File.Exists(localSettings))
            config.AddInMemoryCollection(ReadValues(localSettings));

        // Environment and command line win over both files, as in Functions.
        config.AddEnvironmentVariables();
        config.AddCommandLine(args);

        if (string.IsNullOrEmpty(config["urls"]) && string.IsNullOrEmpty(config["ASPNETCORE_URLS"]))
            builder.WebHost.UseUrls(DefaultUrls);
    }

    /// <summary>The folder holding host.json: the content root or one of its parents (a run from functions/ or from the repo root).</summary>
    private static string? FindSettingsDirectory(string start)
    {
        for (var d = new DirectoryInfo(start); d is not null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "host.json"))) return d.FullName;
        return null;
    }

    private static IEnumerable<KeyValuePair<string, string?>> ReadValues(string path)
    {
        JsonNode? root;
        try { root = JsonNode.Parse(File.ReadAllText(path), documentOptions: new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true }); }
        catch (JsonException e) { throw new InvalidOperationException($"local.settings.json is not valid JSON: {e.Message}"); }
        if (root?["Values"] is not JsonObject values) yield break;
        foreach (var (key, value) in values)
            yield return new(key.Replace("__", ":"), value?.GetValueKind() == JsonValueKind.String ? value.GetValue<string>() : value?.ToJsonString());
    }
}
