using System.Net;
using Fleet.Functions.Platform.Http;
using Fleet.Tests.Support;

namespace Fleet.Tests.Platform;

public sealed class ConfigurationTests
{
    [Fact]
    public async Task Host_json_supplies_defaults_and_app_settings_override_them()
    {
        await using var app = await FleetApp.StartAsync();
        var settings = app.Services.GetRequiredService<HttpSettings>();
        // From host.json: extensions.http.
        Assert.Equal("api", settings.RoutePrefix);
        Assert.Equal(1024 * 1024, settings.MaxRequestBodySize);
        var config = app.Services.GetRequiredService<IConfiguration>();
        Assert.Equal("FleetHub", config["extensions:durableTask:hubName"]);
        Assert.Equal("Warning", config["logging:logLevel:Azure.Core"]);

        await using var small = await FleetApp.StartAsync(new Dictionary<string, string?> { ["Http__MaxRequestBodySize"] = "100" });
        Assert.Equal(100, small.Services.GetRequiredService<HttpSettings>().MaxRequestBodySize);
    }

    [Fact]
    public async Task Local_settings_values_load_as_app_settings_and_environment_wins()
    {
        var dir = Directory.CreateTempSubdirectory("fleet-settings-").FullName;
        File.Copy(Path.Combine(Peers.RepoRoot, "host.json"), Path.Combine(dir, "host.json"));
        await File.WriteAllTextAsync(Path.Combine(dir, "local.settings.json"),
            """{"IsEncrypted":false,"Values":{"Fleet__SampleKey":"from-file","Fleet__Overridden":"from-file"}}""");
        Environment.SetEnvironmentVariable("Fleet__Overridden", "from-env");
        try
        {
            await using var app = await FleetApp.StartAsync(contentRoot: dir);
            var config = app.Services.GetRequiredService<IConfiguration>();
            Assert.Equal("from-file", config["Fleet:SampleKey"]);
            Assert.Equal("from-env", config["Fleet:Overridden"]);
        }
        finally
        {
            Environment.SetEnvironmentVariable("Fleet__Overridden", null);
        }
    }

    [Fact]
    public void Default_listen_address_is_the_functions_port_on_loopback() =>
        Assert.Equal("http://127.0.0.1:7071", Fleet.Functions.Platform.Configuration.HostConfiguration.DefaultUrls);
}
