using Docker.DotNet.Models;
using Fleet.Core.Platform.Events;
using Fleet.Core.Platform.Mesh;
using Microsoft.Extensions.Logging;

namespace Fleet.Core.Homei;

/// <summary>
/// Feeds the engine's container events (<c>GET /events</c>) into the event bus as
/// <c>container.&lt;action&gt;</c> with <c>{container_id, name}</c>; reconnects when the engine drops the stream. One host of
/// the fleet runs it (a <see cref="SingletonService"/>), so each engine event becomes one event fleet-wide.
/// </summary>
public sealed class DockerEventPump(ContainerRuntime runtime, IEventBus bus, ILogger<DockerEventPump> logger, IServiceProvider services)
    : SingletonService(services, "homei-docker-pump")
{
    protected override async Task RunAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await runtime.Client.System.MonitorEventsAsync(new ContainerEventsParameters
                {
                    Filters = new Dictionary<string, IDictionary<string, bool>> { ["type"] = new Dictionary<string, bool> { ["container"] = true } },
                }, new Progress(Publish), stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                logger.LogDebug(e, "Docker event stream ended; reconnecting");
            }
            await Task.Delay(TimeSpan.FromSeconds(2), stoppingToken).ContinueWith(_ => { });
        }
    }

    private void Publish(Message m)
    {
        // "exec_start: sh -c ..." and "health_status: healthy" carry details after the colon; the type is the verb.
        var action = (m.Action ?? m.Status ?? "").Split(':')[0].Trim();
        var name = m.Actor?.Attributes?.TryGetValue("name", out var n) == true ? n : null;
        var when = m.TimeNano > 0 ? DateTimeOffset.FromUnixTimeMilliseconds(m.TimeNano / 1_000_000) : DateTimeOffset.UtcNow;
        bus.Publish("homei", $"container.{action}",
            new { container_id = HomeiServiceManager.Short(m.Actor?.ID ?? m.ID ?? ""), name }, when);
    }

    private sealed class Progress(Action<Message> report) : IProgress<Message>
    {
        public void Report(Message value) => report(value);
    }
}
