using System.Net;
using System.Text.Json;
using Docker.DotNet;
using Docker.DotNet.Models;
using Fleet.Core.Platform.Docker;
using Fleet.Core.Platform.Errors;
using Microsoft.Extensions.Options;

namespace Fleet.Core.Homei;

/// <summary>
/// Services realised as containers on the Docker engine (Docker.DotNet). The container is named
/// after the service and labelled <c>io.homei.managed=true</c>, <c>io.homei.service=&lt;name&gt;</c>;
/// engine failures become DOCKER_ERROR with the engine's own message, never a stack trace.
/// </summary>
public sealed class ContainerRuntime(IOptions<DockerOptions> options, IOptions<HomeiOptions> homei) : IDisposable
{
    private readonly Lazy<DockerClient> _client = new(() => options.Value.CreateClient());

    public DockerClient Client => _client.Value;

    /// <summary>The service's container, found by label (so a renamed container still counts), or null.</summary>
    public async Task<ContainerListResponse?> FindAsync(string service, CancellationToken ct = default)
    {
        var list = await Call(() => Client.Containers.ListContainersAsync(new ContainersListParameters
        {
            All = true,
            Filters = new Dictionary<string, IDictionary<string, bool>>
            {
                ["label"] = new Dictionary<string, bool> { [$"{HomeiLabels.Service}={service}"] = true, [$"{HomeiLabels.Managed}=true"] = true },
            },
        }, ct));
        return list.FirstOrDefault();
    }

    public Task<IList<ContainerListResponse>> ListAsync(CancellationToken ct = default) =>
        Call(() => Client.Containers.ListContainersAsync(new ContainersListParameters { All = true }, ct));

    /// <summary>Creates the container from the definition (removing any old one first) and returns its id.</summary>
    public async Task<string> CreateAsync(ServiceDefinition d, CancellationToken ct = default)
    {
        await RemoveAsync(d.Name, ct);
        var ports = d.Ports.Select(p => PortMapping.TryParse(p)!).ToList();
        var mounts = d.Volumes.Select(v => VolumeMount.TryParse(v)!).ToList();
        var restart = d.RestartPolicy.Split(':');
        var parameters = new CreateContainerParameters
        {
            Name = d.Name,
            Image = d.Image,
            Env = d.Environment.Select(kv => $"{kv.Key}={kv.Value}").ToList(),
            Labels = d.ContainerLabels(),
            Cmd = d.Command,
            Entrypoint = d.Entrypoint,
            ExposedPorts = ports.Select(p => p.ContainerKey).Distinct().ToDictionary(k => k, _ => default(EmptyStruct)),
            HostConfig = new HostConfig
            {
                Binds = mounts.Select(m => m.ToBind()).ToList(),
                PortBindings = ports.GroupBy(p => p.ContainerKey).ToDictionary(g => g.Key,
                    g => (IList<PortBinding>)g.Select(p => new PortBinding { HostIP = p.HostIp ?? "", HostPort = p.HostPort?.ToString() ?? "" }).ToList()),
                RestartPolicy = new RestartPolicy
                {
                    Name = restart[0] switch
                    {
                        "always" => RestartPolicyKind.Always,
                        "on-failure" => RestartPolicyKind.OnFailure,
                        "unless-stopped" => RestartPolicyKind.UnlessStopped,
                        _ => RestartPolicyKind.No,
                    },
                    MaximumRetryCount = restart.Length > 1 ? long.Parse(restart[1]) : 0,
                },
            },
        };
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return (await Client.Containers.CreateContainerAsync(parameters, ct)).ID;
            }
            catch (DockerApiException e) when (e.StatusCode == HttpStatusCode.Conflict && e.ResponseBody?.Contains("already in use") == true && attempt < 3)
            {
                // Another host's reconciler (or a concurrent call) made the container between the removal and this create,
                // from the same stored definition: replace it rather than fail the call and drop the service.
                await RemoveAsync(d.Name, ct);
            }
            catch (Exception e) when (e is DockerApiException or HttpRequestException or IOException or TimeoutException)
            {
                throw Translate(e);
            }
        }
    }

    public async Task StartAsync(string id, CancellationToken ct = default) =>
        await Call(() => Client.Containers.StartContainerAsync(id, new ContainerStartParameters(), ct));

    public async Task StopAsync(string id, CancellationToken ct = default) =>
        await Call(() => Client.Containers.StopContainerAsync(id, new ContainerStopParameters { WaitBeforeKillSeconds = homei.Value.StopTimeoutSeconds }, ct));

    public Task RestartAsync(string id, CancellationToken ct = default) =>
        Call(() => Client.Containers.RestartContainerAsync(id, new ContainerRestartParameters { WaitBeforeKillSeconds = homei.Value.StopTimeoutSeconds }, ct));

    /// <summary>Removes the service's container if there is one; named volumes are kept.</summary>
    public async Task RemoveAsync(string service, CancellationToken ct = default)
    {
        while (await FindAsync(service, ct) is { } c)
        {
            try
            {
                await Client.Containers.RemoveContainerAsync(c.ID, new ContainerRemoveParameters { Force = true, RemoveVolumes = false }, ct);
            }
            catch (DockerContainerNotFoundException)
            {
                // Gone already: what we wanted.
            }
            catch (DockerApiException e) when (e.StatusCode == HttpStatusCode.Conflict && e.ResponseBody.Contains("in progress"))
            {
                await Task.Delay(200, ct); // another removal of the same container is running
            }
            catch (Exception e) when (e is DockerApiException or HttpRequestException or IOException)
            {
                throw Translate(e, c.ID);
            }
        }
    }

    public Task<ContainerInspectResponse> InspectAsync(string id, CancellationToken ct = default) =>
        Call(() => Client.Containers.InspectContainerAsync(id, ct), id);

    public async Task<T> Call<T>(Func<Task<T>> action, string? containerId = null)
    {
        try
        {
            return await action();
        }
        catch (Exception e) when (e is DockerApiException or HttpRequestException or IOException or TimeoutException)
        {
            throw Translate(e, containerId);
        }
    }

    public async Task Call(Func<Task> action, string? containerId = null) =>
        await Call(async () => { await action(); return true; }, containerId);

    public static FleetException Translate(Exception e, string? containerId = null)
    {
        if (e is DockerContainerNotFoundException && containerId is not null) return HomeiErrors.ContainerNotFound(containerId);
        if (e is DockerApiException api)
        {
            var message = EngineMessage(api.ResponseBody) ?? api.Message;
            if (api.StatusCode == HttpStatusCode.NotFound && containerId is not null && message.Contains("container", StringComparison.OrdinalIgnoreCase))
                return HomeiErrors.ContainerNotFound(containerId);
            var kind = api.StatusCode switch
            {
                HttpStatusCode.NotFound or HttpStatusCode.BadRequest => FleetErrorKind.Validation,
                HttpStatusCode.Conflict => FleetErrorKind.Conflict,
                _ => FleetErrorKind.UpstreamUnreachable,
            };
            return HomeiErrors.Docker($"Docker: {message}", e, kind);
        }
        return HomeiErrors.Docker("Docker engine unreachable: " + e.Message, e);
    }

    private static string? EngineMessage(string? body)
    {
        if (string.IsNullOrWhiteSpace(body)) return null;
        try
        {
            using var doc = JsonDocument.Parse(body);
            return doc.RootElement.TryGetProperty("message", out var m) ? m.GetString() : body.Trim();
        }
        catch (JsonException)
        {
            return body.Trim();
        }
    }

    public void Dispose()
    {
        if (_client.IsValueCreated) _client.Value.Dispose();
    }
}
