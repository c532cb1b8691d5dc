using Docker.DotNet;

namespace Fleet.Core.Platform.Docker;

/// <summary>App settings <c>Docker__*</c>.</summary>
public sealed class DockerOptions
{
    public string Endpoint { get; set; } = "unix:///var/run/docker.sock";
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(30);

    public DockerClient CreateClient() =>
        new DockerClientConfiguration(new Uri(Endpoint), defaultTimeout: Timeout).CreateClient();
}
