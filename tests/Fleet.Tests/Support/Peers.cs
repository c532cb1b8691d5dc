namespace Fleet.Tests.Support;

/// <summary>
/// Settings of the real peers that infra/test.sh started (environment variables). Tests never
/// guess ports; a missing peer is a failure with a clear message, not a skip.
/// </summary>
public static class Peers
{
    public static string Require(string name) =>
        Environment.GetEnvironmentVariable(name) is { Length: > 0 } v
            ? v
            : throw new InvalidOperationException(
                $"Environment variable {name} is not set: run the tests with ./infra/test.sh, which starts the real peers and sets it.");

    public static string Storage => Require("AzureWebJobsStorage");
    public static string MqttBroker => Require("Mqtt__Broker");
    public static string DockerEndpoint => Require("Docker__Endpoint");

    public static int FreePort()
    {
        var l = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        l.Start();
        var port = ((System.Net.IPEndPoint)l.LocalEndpoint).Port;
        l.Stop();
        return port;
    }

    /// <summary>The repository root (the folder holding Functions.sln).</summary>
    public static string RepoRoot
    {
        get
        {
            for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
                if (File.Exists(Path.Combine(d.FullName, "Functions.sln"))) return d.FullName;
            throw new InvalidOperationException("Functions.sln not found above " + AppContext.BaseDirectory);
        }
    }
}
