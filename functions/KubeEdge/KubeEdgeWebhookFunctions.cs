using Fleet.Core.KubeEdge;
using Fleet.Core.Platform.Events;
using Fleet.Core.Platform.Time;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Fleet.Functions.Platform.Auth;
using Fleet.Orchestrations.KubeEdge;
using System.Text.Json.Nodes;

namespace Fleet.Functions.KubeEdge;

/// <summary>Webhook management: list (secrets never shown), create, delete.</summary>
public static class KubeEdgeWebhookFunctions
{
    public static void MapKubeEdgeWebhooks(this RouteGroupBuilder group)
    {
        group.MapGet("/webhooks", async (WebhookService webhooks, KubeEdgeScope scope, CancellationToken ct) =>
        {
            var list = (await webhooks.ListAsync(await scope.ClusterIdAsync(ct), ct)).Select(WebhookView.From).ToList();
            return Results.Json(new { Webhooks = list, Total = list.Count });
        }).RequireRole(FleetRole.Viewer).WithSummary("Webhook mgmt");
        group.MapPost("/webhooks", async (WebhookRequest body, WebhookService webhooks, CancellationToken ct) =>
            Results.Json(WebhookView.From(await webhooks.CreateAsync(body, ct)), statusCode: StatusCodes.Status201Created))
            .RequireRole(FleetRole.Admin).WithSummary("Register a webhook").Produces(StatusCodes.Status201Created);
        group.MapDelete("/webhooks/{id}", async (string id, WebhookService webhooks, CancellationToken ct) =>
        {
            await webhooks.DeleteAsync(id, ct);
            return Results.Json(new { Status = "deleted", Id = id });
        }).RequireRole(FleetRole.Admin).WithSummary("Remove a webhook");
    }
}

/// <summary>
/// Turns each KubeEdge event on the bus into one delivery orchestration per subscribed webhook, so a slow or failing receiver
/// is retried durably and never holds up the bus or other receivers.
/// </summary>
public sealed class KubeEdgeWebhookDispatcher(IEventBus bus, WebhookService webhooks, KubeEdgeScope scope, DurableTaskClient client,
    ILogger<KubeEdgeWebhookDispatcher> log) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var e in bus.SubscribeAsync(KubeEdgeEvents.Family, null, stoppingToken))
            {
                try { await DispatchAsync(e, stoppingToken); }
                catch (Exception x) when (x is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
                {
                    log.LogWarning(x, "webhook dispatch of event {Id} ({Type}) failed", e.Id, e.Type);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested) { }
    }

    private async Task DispatchAsync(FleetEvent e, CancellationToken ct)
    {
        if (await scope.TryClusterIdAsync(ct) is not { } clusterId) return;
        var targets = (await webhooks.ListAsync(clusterId, ct)).Where(w => w.EventList.Contains(e.Type)).ToList();
        if (targets.Count == 0) return;
        var body = new JsonObject
        {
            ["id"] = e.Id, ["event"] = e.Type, ["timestamp"] = FleetTime.Format(e.Timestamp), ["data"] = e.Data.DeepClone(),
        }.ToJsonString();
        foreach (var w in targets)
            // The instance id names the (event, webhook) pair, so one event is scheduled at most once per webhook.
            await client.ScheduleNewOrchestrationInstanceAsync(nameof(WebhookDeliveryOrchestrator),
                new WebhookDelivery(clusterId, w.RowKey, e.Type, body), new StartOrchestrationOptions($"kubeedge-wh-{e.Id}-{w.RowKey}"), ct);
    }
}
